import * as z from "zod";
import type { UserErrorInfo } from "./errors";
import type { ServiceStatus } from "./service-status";

const count = (key: string, min: number, max: number) =>
  z
    .number({ error: `${key} must be a whole number from ${min} to ${max}.` })
    .int(`${key} must be a whole number from ${min} to ${max}.`)
    .min(min, `${key} must be from ${min} to ${max}.`)
    .max(max, `${key} must be from ${min} to ${max}.`);

/** Settings > Backups. Nothing runs on a schedule until `enabled` is on and a repository is set up. */
export const backupSettings = z.object({
  enabled: z.boolean({ error: "backup.enabled is true or false." }).default(false).describe("Back up the pod every day at backup.hour, and before a pod identity reset."),
  repository: z
    .string({ error: "backup.repository must be text: a folder, sftp:user@host:/path, rclone:remote:path or rest:http://host:port/." })
    .trim()
    .default("")
    .describe("Where the encrypted backups go (a restic repository): a folder or USB disk, sftp:user@host:/path, rclone:remote:path (any cloud rclone knows), or rest:http://host:port/."),
  hour: count("backup.hour", 0, 23).default(3).describe("The hour of the day (0-23, this computer's time) for the daily backup; pick one when the PC is on but quiet."),
  keepDaily: count("backup.keepDaily", 0, 365).default(7).describe("Retention: how many daily backups to keep (the newest of each day)."),
  keepWeekly: count("backup.keepWeekly", 0, 520).default(4).describe("Retention: how many weekly backups to keep."),
  keepMonthly: count("backup.keepMonthly", 0, 600).default(6).describe("Retention: how many monthly backups to keep."),
  checkEveryDays: count("backup.checkEveryDays", 1, 365).default(7).describe("How often the repository is verified (restic check, reading part of the data back)."),
  checkReadPercent: count("backup.checkReadPercent", 0, 100).default(5).describe("How much of the backed-up data each check reads back and verifies, in percent."),
  paths: z.array(z.string({ error: "backup.paths is a JSON list of folders." })).default([]).describe("Custom pod: the folders to back up (a JSON list); a diaspora* pod's are known."),
  dumpCommand: z.array(z.string({ error: "backup.dumpCommand is a JSON list: the program, then its arguments." })).default([]).describe('Custom pod: a command whose output is the pod\'s database dump, as a JSON list (like ["docker", "exec", "db", "pg_dumpall"]).'),
});
export type BackupSettings = z.infer<typeof backupSettings>;

/** The repository's passphrase: without it nothing can be restored. Never shown back. */
export const backupSecrets: Record<string, { description: string }> = {
  "backup.password": { description: "The backup repository's passphrase (write it down: without it no backup can be restored)" },
};

export type BackupState = "off" | "never" | "backed-up" | "overdue" | "failed" | "backing-up" | "checking" | "restoring";

export type BackupOperation = "backup" | "check" | "restore";

/** A running job's progress; refreshed at most four times a second. */
export interface BackupProgress {
  operation: BackupOperation;
  /** What it is doing now, in words ("Dumping the database", "Uploading files"). */
  phase: string;
  startedAt: number;
  bytesDone?: number;
  bytesTotal?: number;
  /** Files (backup, restore) or data packs (check). */
  itemsDone?: number;
  itemsTotal?: number;
  unit: "files" | "packs";
  bytesPerSecond?: number;
  secondsLeft?: number;
}

export interface BackupRecord {
  at: number;
  snapshotId: string;
  /** What the snapshot holds, in bytes and files; `bytesAdded` is what this backup stored new. */
  totalBytes: number;
  files: number;
  bytesAdded: number;
  durationMs: number;
}

export interface CheckRecord {
  at: number;
  ok: boolean;
  message: string;
  readPercent: number;
}

export interface BackupStatus extends ServiceStatus {
  state: BackupState;
  /** The repository, with any password in it masked. */
  repository?: string;
  enabled: boolean;
  nextRunAt?: number;
  lastSuccess?: BackupRecord;
  lastFailure?: { at: number; operation: BackupOperation; error: UserErrorInfo };
  lastCheck?: CheckRecord;
  progress?: BackupProgress;
}

/** One snapshot as the Restore page and `podhost backup list` show it. */
export interface SnapshotInfo {
  id: string;
  shortId: string;
  time: string;
  /** What it holds: "database", "uploads", "configuration", "podhost state", custom folders. */
  holds: string[];
  totalBytes?: number;
  files?: number;
  podhost: boolean;
}

/** `backup.setup`: a new repository (podhost makes the passphrase when none is given) or an existing one. */
export interface BackupSetupResult {
  created: boolean;
  /** Only when podhost made it, and only in this answer: the user must write it down now. */
  passphrase?: string;
}

export interface RestoreResult {
  snapshotId: string;
  restoredTo: { dataDir: string; podDir?: string };
  database: "restored" | "none";
  /** Files the restore replaced, kept aside here. */
  keptAside?: string;
  message: string;
}

/** A few days without a good backup is worth a warning: a dead disk today would lose them. */
export const overdueAfterMs = 3 * 24 * 3600 * 1000;

/** "1.2 GB": decimal units, as disks are sold. */
export function formatBytes(bytes: number): string {
  const units = ["bytes", "KB", "MB", "GB", "TB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

/** "Backing up files: 512.0 MB of 1.1 GB (46%), 812 of 1032 files, 45.0 MB/s, about 12 s left": for the CLI, the tray and the UI. */
export function describeProgress(progress: BackupProgress): string {
  const facts: string[] = [];
  if (progress.bytesDone !== undefined) {
    const percent = progress.bytesTotal ? ` (${Math.min(100, Math.floor((progress.bytesDone / progress.bytesTotal) * 100))}%)` : "";
    facts.push(`${formatBytes(progress.bytesDone)}${progress.bytesTotal !== undefined ? ` of ${formatBytes(progress.bytesTotal)}` : ""}${percent}`);
  }
  if (progress.itemsDone !== undefined) facts.push(`${progress.itemsDone}${progress.itemsTotal !== undefined ? ` of ${progress.itemsTotal}` : ""} ${progress.unit}`);
  if (progress.bytesPerSecond !== undefined) facts.push(`${formatBytes(progress.bytesPerSecond)}/s`);
  if (progress.secondsLeft !== undefined) facts.push(`about ${progress.secondsLeft < 90 ? `${progress.secondsLeft} s` : `${Math.round(progress.secondsLeft / 60)} min`} left`);
  return facts.length > 0 ? `${progress.phase}: ${facts.join(", ")}` : progress.phase;
}

/** The tray's one line: "last good 5 h ago", "backing up 46%", "none for 4 days", "off". */
export function backupGlance(status: BackupStatus, now: number): string {
  if (status.progress) {
    const { bytesDone, bytesTotal } = status.progress;
    const verb = { backup: "backing up", check: "checking", restore: "restoring" }[status.progress.operation];
    return bytesDone !== undefined && bytesTotal ? `${verb} ${Math.min(100, Math.floor((bytesDone / bytesTotal) * 100))}%` : `${verb}…`;
  }
  if (status.state === "off") return "not set up";
  if (status.state === "failed") return "last backup failed";
  if (!status.lastSuccess) return "none yet";
  const hours = Math.floor((now - status.lastSuccess.at) / 3600_000);
  const age = hours < 1 ? "less than an hour" : hours < 48 ? `${hours} h` : `${Math.floor(hours / 24)} days`;
  return status.state === "overdue" ? `none for ${age}` : `last good ${age} ago`;
}
