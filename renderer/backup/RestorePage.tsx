import { useId, useState } from "react";
import type { RestoreResult } from "../../shared/backup";
import { ErrorNote } from "../components/ErrorNote";
import { PageHeading } from "../components/PageHeading";
import { useCommand } from "../components/useCommand";
import { useStatus } from "../live";
import { BackupProgress } from "./BackupProgress";
import { SetupPanel } from "./SetupPanel";
import { SnapshotTable } from "./SnapshotTable";
import { useSnapshots } from "./useSnapshots";

/**
 * Restore: on a new computer, connect to the existing backups first; then pick a backup, say
 * where the diaspora* folder is now, and restore. Over a running pod the user must tick that
 * the pod is replaced (podhost backs it up first).
 */
export function RestorePage() {
  const status = useStatus();
  const backup = status?.backup;
  const ready = Boolean(backup?.repository && backup.state !== "off");
  const { snapshots, error: listError } = useSnapshots(ready, backup?.lastSuccess?.at);
  const [picked, setPicked] = useState<string | undefined>();
  const [podDir, setPodDir] = useState("");
  const [confirm, setConfirm] = useState(false);
  const [result, setResult] = useState<RestoreResult | undefined>();
  const { busy, error, run } = useCommand();
  const ids = { dir: useId(), confirm: useId() };
  const podRunning = status ? !["stopped", "not-configured", "crashed"].includes(status.pod.state) : false;
  const chosen = picked ?? snapshots?.[0]?.id;

  const restore = async () => {
    const answer = (await run("backup.restore", { snapshotId: chosen, ...(podDir.trim() ? { podDir: podDir.trim() } : {}), confirmOverRunningPod: confirm })) as RestoreResult | undefined;
    if (answer) setResult(answer);
  };
  return (
    <>
      <PageHeading title="Restore" />
      <p className="lead">Bring the pod back from a backup: podhost's settings, keys and certificates, the pod's configuration and uploads, and its database.</p>
      {!ready ? <SetupPanel mode="existing" onDone={() => undefined} /> : null}
      {backup?.progress?.operation === "restore" ? <BackupProgress progress={backup.progress} /> : null}
      {result ? (
        <p className="callout ok" role="status" data-restore-result="">
          {result.message}
        </p>
      ) : null}
      {ready && !result ? (
        <section aria-label="Choose a backup">
          <h2>1. Choose a backup</h2>
          {listError ? <ErrorNote error={listError} /> : snapshots ? <SnapshotTable snapshots={snapshots} picked={chosen} pick={setPicked} /> : <p>Reading the list…</p>}
          <h2>2. Where the pod's files go</h2>
          <div className="field">
            <label htmlFor={ids.dir} className="field-label">
              The diaspora* folder on this computer (empty: where it was when backed up)
            </label>
            <input id={ids.dir} type="text" spellCheck={false} value={podDir} placeholder={status?.pod ? "/home/you/diaspora" : ""} data-control="restore-pod-dir" onChange={(e) => setPodDir(e.target.value)} />
          </div>
          {podRunning ? (
            <label className="callout warn" htmlFor={ids.confirm}>
              <input id={ids.confirm} type="checkbox" checked={confirm} data-control="restore-confirm" onChange={(e) => setConfirm(e.target.checked)} /> The pod is running. Replace it with the backup:
              podhost backs up the pod as it is now first, then stops it and restores.
            </label>
          ) : null}
          <button type="button" className="button primary" data-command="backup.restore" aria-disabled={busy !== null || !chosen || (podRunning && !confirm)} onClick={() => busy === null && chosen && (!podRunning || confirm) && void restore()}>
            Restore this backup
          </button>
          {error ? <ErrorNote error={error} /> : null}
        </section>
      ) : null}
    </>
  );
}
