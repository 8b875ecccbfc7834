import { useState } from "react";
import { formatBytes } from "../../shared/backup";
import { toneOf } from "../../shared/status";
import { CommandButton } from "../components/CommandButton";
import { ErrorNote } from "../components/ErrorNote";
import { Facts, Time } from "../components/Facts";
import { PageHeading } from "../components/PageHeading";
import { StatePill } from "../components/StatePill";
import { useStatus } from "../live";
import { href } from "../router";
import { BackupProgress } from "./BackupProgress";
import { SetupPanel } from "./SetupPanel";
import { SnapshotTable } from "./SnapshotTable";
import { useSnapshots } from "./useSnapshots";

/**
 * Backups: where they go, when the last good one was (and whether it was verified), the
 * running job with Cancel, the list of backups, and the way to a restore. Schedule and
 * retention are settings (Settings > Backups).
 */
export function BackupsPage() {
  const status = useStatus();
  const backup = status?.backup;
  const [settingUp, setSettingUp] = useState(false);
  const ready = Boolean(backup && backup.repository && backup.state !== "off");
  const { snapshots, error } = useSnapshots(ready, backup?.lastSuccess?.at);
  if (!backup) return <PageHeading title="Backups" />;
  return (
    <>
      <PageHeading title="Backups" />
      <p className="lead">Encrypted copies of the pod (its database, uploads and configuration) and of podhost's own keys and certificates, so a dead disk is not the end of your pod.</p>
      <section className="card" data-backup-state={backup.state}>
        <p>
          <StatePill state={backup.state} tone={toneOf(backup)} /> <span data-backup-message="">{backup.message}</span>
        </p>
        <Facts
          name="backup"
          items={[
            ["Repository", backup.repository],
            ["Last good backup", backup.lastSuccess ? <><Time ms={backup.lastSuccess.at} /> ({formatBytes(backup.lastSuccess.totalBytes)}, {formatBytes(backup.lastSuccess.bytesAdded)} new)</> : undefined],
            ["Last check", backup.lastCheck ? <><Time ms={backup.lastCheck.at} /> ({backup.lastCheck.ok ? "no damage found" : "damage found"}, {backup.lastCheck.readPercent}% of the data read back)</> : ready ? "not checked yet" : undefined],
            ["Daily backups", ready ? (backup.enabled ? <>on; next <Time ms={backup.nextRunAt} /></> : "off") : undefined],
          ]}
        />
        {backup.progress ? <BackupProgress progress={backup.progress} /> : null}
        {ready && !backup.progress ? (
          <div className="backup-actions">
            <CommandButton command="backup.now" label="Back up now" primary />
            <CommandButton command="backup.check" label="Check the backups" params={{}} />
            <a className="button" href={href("backups/restore")}>
              Restore…
            </a>
            <a className="button" href={href("settings/backups")}>
              Schedule and retention
            </a>
          </div>
        ) : null}
      </section>
      {!ready || settingUp ? (
        <SetupPanel onStart={() => setSettingUp(true)} onDone={() => setSettingUp(false)} />
      ) : (
        <p>
          <button type="button" className="button small" onClick={() => setSettingUp(true)}>
            Use another repository
          </button>
        </p>
      )}
      {ready ? (
        <section aria-labelledby="backups-list">
          <h2 id="backups-list">The pod's backups</h2>
          {error ? <ErrorNote error={error} /> : snapshots ? <SnapshotTable snapshots={snapshots} /> : <p>Reading the list…</p>}
        </section>
      ) : null}
    </>
  );
}
