import { useId, useState } from "react";
import type { BackupSetupResult } from "../../shared/backup";
import { ErrorNote } from "../components/ErrorNote";
import { useCommand } from "../components/useCommand";

/**
 * Where the backups go, and the passphrase that opens them. New backups: podhost makes the
 * passphrase and shows it once; daily backups are offered only after the user typed its last
 * group back (proof it was written down). Existing backups (a new computer): the user enters it.
 */
export function SetupPanel({ onStart, onDone, mode: initialMode = "new" }: { onStart?: () => void; onDone: () => void; mode?: "new" | "existing" }) {
  const [mode, setMode] = useState(initialMode);
  const [repository, setRepository] = useState("");
  const [passphrase, setPassphrase] = useState("");
  const [made, setMade] = useState<string | undefined>();
  const { busy, error, run } = useCommand();
  const ids = { repo: useId(), pass: useId(), help: useId() };

  if (made) return <WriteItDown passphrase={made} onDone={onDone} />;
  const submit = async () => {
    // Saving the repository makes backups "ready": the page must keep this panel (and the passphrase) on screen.
    onStart?.();
    const result = (await run("backup.setup", { repository, ...(mode === "existing" ? { passphrase } : {}) })) as BackupSetupResult | undefined;
    if (!result) return;
    if (result.passphrase) setMade(result.passphrase);
    else onDone();
  };
  return (
    <section className="extra" data-backup-setup="">
      <h2>Set up backups</h2>
      <fieldset className="choice">
        <legend>What to do</legend>
        <label>
          <input type="radio" name="backup-mode" checked={mode === "new"} onChange={() => setMode("new")} /> Start new backups (podhost makes the passphrase)
        </label>
        <label>
          <input type="radio" name="backup-mode" checked={mode === "existing"} onChange={() => setMode("existing")} /> Connect to existing backups (a new computer)
        </label>
      </fieldset>
      <div className="field">
        <label htmlFor={ids.repo} className="field-label">
          Where the backups go
        </label>
        <input id={ids.repo} type="text" spellCheck={false} value={repository} placeholder="/media/usb-disk/podhost-backups" aria-describedby={ids.help} data-control="backup-repository" onChange={(e) => setRepository(e.target.value)} />
        <p className="help" id={ids.help}>
          A folder on a USB disk or another drive, <code>sftp:user@host:/path</code>, <code>rclone:remote:path</code> (any cloud storage rclone knows), or <code>rest:http://host:port/</code>. Not this
          computer's own disk: it is the one that may die.
        </p>
      </div>
      {mode === "existing" ? (
        <div className="field">
          <label htmlFor={ids.pass} className="field-label">
            The passphrase you wrote down
          </label>
          <input id={ids.pass} type="password" autoComplete="off" value={passphrase} data-control="backup-passphrase" onChange={(e) => setPassphrase(e.target.value)} />
        </div>
      ) : null}
      <button type="button" className="button primary" aria-disabled={busy !== null} data-command="backup.setup" onClick={() => busy === null && void submit()}>
        {mode === "new" ? "Create the backup repository" : "Connect"}
      </button>
      {error ? <ErrorNote error={error} /> : null}
    </section>
  );
}

function WriteItDown({ passphrase, onDone }: { passphrase: string; onDone: () => void }) {
  const [typed, setTyped] = useState("");
  const { busy, error, run } = useCommand();
  const inputId = useId();
  const lastGroup = passphrase.split("-").pop() ?? passphrase;
  const confirmed = typed.trim().toLowerCase() === lastGroup;
  return (
    <section className="extra danger-zone" data-backup-passphrase="">
      <h2>Write this passphrase down now</h2>
      <p>
        It encrypts every backup. Without it nobody can restore the pod, not even podhost: it is shown <strong>only this once</strong>. Keep it on paper or in a password manager,
        away from this computer.
      </p>
      <p className="passphrase" data-passphrase="">
        <code>{passphrase}</code>
      </p>
      <div className="field">
        <label htmlFor={inputId} className="field-label">
          To confirm you wrote it down, type its last group (the five characters after the last dash)
        </label>
        <input id={inputId} type="text" autoComplete="off" spellCheck={false} value={typed} data-control="backup-passphrase-confirm" onChange={(e) => setTyped(e.target.value)} />
      </div>
      {confirmed ? (
        <button
          type="button"
          className="button primary"
          aria-disabled={busy !== null}
          data-command="backup.enable"
          onClick={() => busy === null && void run("settings.set", { changes: { "backup.enabled": true } }).then((answer) => answer !== undefined && onDone())}
        >
          I wrote it down: turn on daily backups
        </button>
      ) : (
        <p className="help">The button to turn on daily backups appears once the group matches.</p>
      )}
      {error ? <ErrorNote error={error} /> : null}
    </section>
  );
}
