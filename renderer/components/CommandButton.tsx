import { ErrorNote } from "./ErrorNote";
import { useCommand } from "./useCommand";

interface CommandButtonProps {
  /** A control API command, e.g. "dns.update". */
  command: string;
  label: string;
  params?: Record<string, unknown>;
  primary?: boolean;
  /** Called after every run: the command's result, or undefined when it failed (the error shows here). */
  onResult?: (result: unknown) => void;
}

/**
 * A button that runs one command and shows its error beside it: the building block for capability widgets.
 * While it runs it is aria-disabled rather than disabled, so keyboard focus stays on it.
 */
export function CommandButton({ command, label, params, primary, onResult }: CommandButtonProps) {
  const { busy, error, run } = useCommand();
  const classes = ["button", primary ? "primary" : "", busy !== null ? "busy" : ""].filter(Boolean).join(" ");
  return (
    <div className="command">
      <button type="button" className={classes} data-command={command} aria-disabled={busy !== null} onClick={() => {
          if (busy === null) void run(command, params).then((result) => onResult?.(result));
        }}>
        {label}
      </button>
      {error ? <ErrorNote error={error} /> : null}
    </div>
  );
}
