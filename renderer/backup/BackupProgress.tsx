import { describeProgress, type BackupProgress as Progress } from "../../shared/backup";
import { CommandButton } from "../components/CommandButton";
import type { StatusExtraProps } from "../status/extras";

/** A running backup, check or restore: a bar when the total is known, the figures in words, and (on the Backups pages) Cancel. */
export function BackupProgress({ progress, withCancel = true }: { progress: Progress; withCancel?: boolean }) {
  const total = progress.bytesTotal ?? (progress.unit === "packs" ? progress.itemsTotal : undefined);
  const done = progress.bytesTotal !== undefined ? progress.bytesDone : progress.itemsDone;
  return (
    <div className="backup-progress" data-backup-progress={progress.operation}>
      {total ? <progress max={total} value={Math.min(done ?? 0, total)} aria-label={`${progress.operation} progress`} /> : <progress aria-label={`${progress.operation} progress`} />}
      <p data-progress-text="">{describeProgress(progress)}</p>
      {withCancel ? <CommandButton command="backup.cancel" label="Cancel" /> : null}
    </div>
  );
}

/** The Status page's Backups card: the running job's progress (its Cancel is the card's action). */
export function BackupCardProgress({ status }: StatusExtraProps) {
  const progress = status.backup?.progress;
  return progress ? <BackupProgress progress={progress} withCancel={false} /> : null;
}
