import type { StatusSnapshot } from "../../shared/status";
import { href } from "../router";

/** On first run (no pod set up yet), every page offers the setup wizard first. */
export function FirstRunInvitation({ status }: { status: StatusSnapshot }) {
  if (status.pod.state !== "not-configured") return null;
  return (
    <div className="callout first-run" data-first-run="">
      <p>
        <strong>podhost is not set up yet.</strong> The setup asks six short questions and starts your pod.{" "}
        <a href={href("setup")}>Set up podhost</a>
      </p>
    </div>
  );
}
