import type { PodState } from "../../shared/pod";
import { ErrorNote } from "../components/ErrorNote";
import { useCommand } from "../components/useCommand";

const controls = [
  { command: "pod.start", label: "Start pod", pointlessWhen: ["running", "starting"] },
  { command: "pod.stop", label: "Stop pod", pointlessWhen: ["stopped", "not-configured"] },
  { command: "pod.restart", label: "Restart pod", pointlessWhen: [] },
] as const satisfies readonly { command: string; label: string; pointlessWhen: readonly PodState[] }[];

/** Start / Stop / Restart: the same three the tray menu offers. */
export function PodControls({ state }: { state: PodState }) {
  const { busy, error, run } = useCommand();
  return (
    <div className="pod-controls">
      <div className="button-row" role="group" aria-label="Pod controls">
        {controls.map(({ command, label, pointlessWhen }) => {
          const unavailable = busy !== null || (pointlessWhen as readonly PodState[]).includes(state);
          return (
            <button
              key={command}
              type="button"
              className={`button${command === "pod.start" ? " primary" : ""}${busy === command ? " busy" : ""}`}
              data-command={command}
              aria-disabled={unavailable}
              onClick={() => {
                if (!unavailable) void run(command);
              }}
            >
              {label}
            </button>
          );
        })}
      </div>
      {error ? <ErrorNote error={error} /> : null}
    </div>
  );
}
