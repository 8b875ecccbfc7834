import { useSyncExternalStore } from "react";

/** Hash routes: #/status, #/settings, #/settings/<section>, #/logs, #/diagnostics. No library needed for four pages. */
export type Route =
  | { page: "status" }
  | { page: "settings"; section?: string }
  | { page: "logs" }
  | { page: "diagnostics" }
  | { page: "setup" }
  | { page: "backups"; section?: string }
  | { page: "not-found"; path: string };

export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#\/?/, "");
  const [page = "", section] = path.split("/");
  if (page === "" || page === "status") return { page: "status" };
  if (page === "settings") return section ? { page, section } : { page };
  if (page === "logs" || page === "diagnostics" || page === "setup") return { page };
  if (page === "backups") return section ? { page, section } : { page };
  return { page: "not-found", path };
}

const subscribe = (listener: () => void) => {
  window.addEventListener("hashchange", listener);
  return () => window.removeEventListener("hashchange", listener);
};
const currentHash = () => window.location.hash;

export function useRoute(): Route {
  const hash = useSyncExternalStore(subscribe, currentHash);
  return parseRoute(hash);
}

/** Go to a page named like a status action's `page`, e.g. "settings/pod". */
export function navigate(path: string): void {
  window.location.hash = `#/${path.replace(/^[#/]+/, "")}`;
}

export const href = (path: string) => `#/${path}`;
