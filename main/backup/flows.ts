import { randomBytes } from "node:crypto";
import type { BackupSetupResult, RestoreResult } from "../../shared/backup";
import { UserError } from "../../shared/errors";
import type { Logger } from "../log";
import type { PodService } from "../pod";
import type { SettingsManager } from "../store/settings-manager";
import type { BackupService } from "./service";

export interface BackupFlowsOptions {
  dataDir: string;
  settings: SettingsManager;
  services: { pod: PodService; backup: BackupService };
  log: Logger;
  /** Host's validated save-and-reconfigure. */
  applySettings(changes: Record<string, unknown>): Promise<unknown>;
  /** Settings and secrets read from disk again, then every service reconfigured. */
  reloadSettings(): Promise<void>;
  stopPod(): Promise<void>;
  /** Host's start/stop queue: a restore runs with no start or stop in between. */
  inOrder<T>(work: () => Promise<T>): Promise<T>;
}

/**
 * The backup flows that span services, run by Host: setting up the repository (with the
 * passphrase the user must write down), the backup before an identity reset, and the restore
 * (files, then settings reloaded, then the database recreated in the pod's PostgreSQL).
 */
export class BackupFlows {
  constructor(private readonly options: BackupFlowsOptions) {}

  /**
   * Use `repository` for backups. Without a passphrase podhost makes a strong one and creates a
   * new repository; with one, an existing repository must open with it (or a new one is made).
   */
  async setUp(repository: string, passphrase: string | undefined): Promise<BackupSetupResult> {
    const made = passphrase === undefined;
    const password = passphrase ?? newPassphrase();
    if (password.length < 12) throw new UserError({ code: "backup-passphrase-short", field: "backup.password", message: "The passphrase is too short: it protects every backup of the pod, wherever they are stored.", fix: "Use at least 12 characters, or leave it empty and podhost makes a strong one for you to write down." });
    const result = await this.options.services.backup.setUp(repository, password);
    if (made && !result.created) throw new UserError({ code: "backup-repository-exists", field: "backup.password", message: "There already is a backup repository there.", fix: "Enter its passphrase to use it (Connect to existing backups), or choose an empty folder for new backups." });
    await this.options.applySettings({ "backup.repository": repository, "backup.password": password });
    this.options.log.info(result.created ? "Backups are set up with a new repository." : "Backups are set up with an existing repository.");
    return { created: result.created, ...(made ? { passphrase: password } : {}) };
  }

  /** Before a new pod identity: one last backup of the old pod, when backups are set up. A failure stops the reset. */
  async beforeIdentityReset(): Promise<void> {
    const { backup } = this.options.services;
    if (!backup.ready()) return;
    this.options.log.info("Backing up the pod before its identity is reset.");
    await backup.backupNow("before-reset").catch((error: Error) => {
      throw new UserError({ code: "reset-backup-failed", message: `The pod identity was not reset: the backup before it failed (${error.message}).`, fix: "Fix the backup (Backups page) and try again, or turn off Settings > Backups > daily backups to reset without one." });
    });
  }

  /**
   * Restore a snapshot into this data dir (the "new computer" case: a fresh one), and the pod's
   * files into `podDir` (default: where they were). Over a running pod only when confirmed,
   * and then after a backup of the pod as it is now.
   */
  async restore(snapshotId: string, podDir: string | undefined, confirmOverRunningPod: boolean): Promise<RestoreResult> {
    const { pod, backup } = this.options.services;
    const state = pod.status().state;
    if (!["stopped", "not-configured", "crashed"].includes(state)) {
      if (!confirmOverRunningPod) {
        throw new UserError({ code: "restore-pod-running", message: "The pod is running: a restore replaces its database, uploads and settings with the backup's.", fix: "Confirm the restore (podhost backs up the pod as it is now first), or stop the pod before restoring." });
      }
      this.options.log.warn("Restoring over the running pod: backing it up as it is first.");
      await backup.backupNow("before-restore");
      await this.options.stopPod();
    }
    const settings = this.options.settings;
    // The repository and passphrase this restore uses stay, whatever the backup's settings say (a USB disk mounts elsewhere on a new computer).
    const repository = settings.settings.backup.repository;
    const password = settings.secrets.get("backup.password");
    return this.options.inOrder(async () => {
      const files = await backup.restoreFiles(snapshotId, podDir);
      await this.options.reloadSettings();
      await this.options.applySettings({ "backup.repository": repository, ...(password ? { "backup.password": password } : {}), ...(files.podDir && files.manifest.podDir ? { "pod.dir": files.podDir } : {}) });
      const database = await backup.restoreDatabase(files);
      const where = files.podDir ? ` and the pod's files in ${files.podDir}` : "";
      const message = `Restored snapshot ${snapshotId.slice(0, 8)} from ${files.manifest.createdAt}: podhost's settings, keys and certificates${where}${database === "restored" ? ", and the pod's database" : ""}.${files.keptAside ? ` Files it replaced are kept in ${files.keptAside}.` : ""} Start the pod when ready.`;
      this.options.log.info(message);
      const result: RestoreResult = { snapshotId, restoredTo: { dataDir: this.options.dataDir, ...(files.podDir ? { podDir: files.podDir } : {}) }, database, message };
      return files.keptAside ? { ...result, keptAside: files.keptAside } : result;
    });
  }
}

/** Six groups of five letters and digits (about 150 bits), easy to write down and read back. */
function newPassphrase(): string {
  const alphabet = "abcdefghijkmnpqrstuvwxyz23456789";
  const bytes = randomBytes(30);
  const chars = [...bytes].map((b) => alphabet[b % alphabet.length]);
  return Array.from({ length: 6 }, (_, i) => chars.slice(i * 5, i * 5 + 5).join("")).join("-");
}
