import "./zod-config";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { openSession } from "./api";
import { App } from "./App";
import "./styles.css";

/** The link podhost prints carries the access key in the fragment: trade it for a session cookie, then hide it. */
async function startSession(): Promise<void> {
  const token = new URLSearchParams(window.location.hash.slice(1)).get("token");
  if (!token) return;
  try {
    await openSession(token);
  } catch {
    // A refused token shows the "open the link" screen (api.ts); an unreachable daemon shows the reconnect banner.
  }
  window.history.replaceState(null, "", window.location.pathname + window.location.search);
}

function render(): void {
  const root = document.getElementById("root");
  if (!root) throw new Error("index.html has no #root element.");
  createRoot(root).render(
    <StrictMode>
      <App />
    </StrictMode>,
  );
}

void startSession().then(render);
