import { ErrorNote } from "./ErrorNote";
import { useCommand } from "./useCommand";

interface CommandButtonProps {
  /** A control API command, e.g. "dns.update". */
  command: string;
  label: string;
  params?: Record<string, unknown>;
  primary?: boolean;
}

/**
 * A button that runs one command and shows its error beside it: the building block for capability widgets.
 * While it runs it is aria-disabled rather than disabled, so keyboard focus stays on it.
 */
export function CommandButton({ command, label, params, primary }: CommandButtonProps) {
  const { busy, error, run } = useCommand();
  return (
    <div className="command">
      <button type="button" className={primary ? "button primary" : "button"} data-command={command} aria-disabled={busy !== null} onClick={() => {
          if (busy === null) void run(command, params);
        }}>
        {label}
      </button>
      {error ? <ErrorNote error={error} /> : null}
    </div>
  );
}
