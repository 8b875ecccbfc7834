import { rm } from "node:fs/promises";
import { formatBytes, overdueAfterMs, type BackupOperation, type BackupRecord, type BackupSetupResult, type BackupStatus, type CheckRecord, type SnapshotInfo } from "../../shared/backup";
import { isUserErrorInfo, UserError, type UserErrorInfo } from "../../shared/errors";
import type { Settings } from "../../shared/settings";
import type { PodDatabase } from "../pod/database";
import { ChangeEmitter, type Service, type ServiceContext } from "../service";
import { podhostTag, runBackup, snapshotHost, type JobContext } from "./backup-job";
import { fromCheckLine, ProgressMeter } from "./progress";
import { restoreDatabase, restoreFiles, type RestoredFiles } from "./restore-job";
import { maskRepository, restic, runRestic, describeResticFailure, type ResticTarget } from "./restic";
import { checkDue, nextDailyRun } from "./schedule";
import { backupPaths, partLabels } from "./sources";
import { readMemory, writeMemory, type BackupMemory } from "./state";

export interface BackupServiceOptions {
  ctx: ServiceContext;
  /** The repository passphrase from the secrets store (backup.password). */
  password: () => string | undefined;
  /** The pod's database, opened by the pod service for as long as a dump or restore needs it. */
  openDatabase: () => Promise<PodDatabase | undefined>;
  env: NodeJS.ProcessEnv;
}

export type BackupReason = "manual" | "scheduled" | "before-reset" | "before-restore";

export interface BackupService extends Service<BackupStatus> {
  /** A backup now; rejects with the reason (disk full, wrong passphrase...) when it fails. */
  backupNow(reason: BackupReason): Promise<BackupRecord>;
  /** `restic check`, reading back `readPercent` of the data (default: the setting). */
  check(readPercent?: number): Promise<CheckRecord>;
  list(): Promise<SnapshotInfo[]>;
  /** Stops the running job (restic removes its lock and exits); false when nothing runs. */
  cancel(): boolean;
  /** A new repository at `repository` (restic init), or proof that `password` opens an existing one. */
  setUp(repository: string, password: string): Promise<BackupSetupResult>;
  /** Restore stage one: files in place (the caller then reloads settings and opens the database). */
  restoreFiles(snapshotId: string, podDir?: string): Promise<RestoredFiles>;
  /** Restore stage two: the database from the dump stage one left. */
  restoreDatabase(files: RestoredFiles): Promise<"restored" | "none">;
  /** Whether a repository and its passphrase are set, so a backup can run. */
  ready(): boolean;
}

interface RunningJob {
  operation: BackupOperation;
  controller: AbortController;
  progress: ProgressMeter;
}

const dayMs = 24 * 3600_000;

export function createBackupServiceWith(options: BackupServiceOptions): BackupService {
  const { ctx } = options;
  const events = new ChangeEmitter();
  const paths = backupPaths(ctx.dataDir);
  let settings: Settings | undefined;
  let memory: BackupMemory = {};
  let loaded: Promise<void> | undefined;
  let job: RunningJob | undefined;
  let timer: { cancel(): void } | undefined;
  let running = false;
  const sizes = new Map<string, { totalBytes: number; files: number }>();

  const load = () => (loaded ??= readMemory(paths.state).then((m) => void (memory = m)));
  const remember = async (change: Partial<BackupMemory>) => {
    memory = { ...memory, ...change };
    await writeMemory(paths.state, memory);
    events.changed();
  };

  const target = (repository = settings?.backup.repository ?? "", password = options.password() ?? ""): ResticTarget => ({ repository, password, cacheDir: paths.cache, env: options.env, journal: paths.resticJournal });

  function ready(): boolean {
    return Boolean(settings?.backup.repository && options.password());
  }

  /** One job at a time; its progress lives in the status until it ends. */
  async function exclusive<T>(operation: BackupOperation, phase: string, work: (job: JobContext) => Promise<T>): Promise<T> {
    if (job) throw new UserError({ code: "backup-busy", message: `A ${job.operation} is running right now.`, fix: "Wait for it to finish, or cancel it (Backups page, or Ctrl-C in `podhost backup now`), then try again." });
    if (!settings) throw new UserError({ code: "backup-not-ready", message: "podhost is still starting." });
    const controller = new AbortController();
    const progress = new ProgressMeter(operation, phase, ctx.clock, () => events.changed());
    job = { operation, controller, progress };
    try {
      return await work({ target: target(), settings, dataDir: ctx.dataDir, log: ctx.log, progress, signal: controller.signal, now: () => ctx.clock.now() });
    } catch (error) {
      const info: UserErrorInfo = isUserErrorInfo(error) ? (error instanceof UserError ? error.toJSON() : error) : { code: "backup-failed", message: `The ${operation} failed: ${(error as Error).message}` };
      if (info.code !== "backup-cancelled") await remember({ lastFailure: { at: ctx.clock.now(), operation, error: info } });
      ctx.log.warn(`${operation} failed: ${info.message}${info.fix ? ` ${info.fix}` : ""}`);
      throw error instanceof UserError ? error : new UserError(info);
    } finally {
      progress.stop();
      job = undefined;
      events.changed();
    }
  }

  function requireReady(): void {
    if (!settings?.backup.repository) throw new UserError({ code: "backup-not-set-up", field: "backup.repository", message: "No backup repository is set up.", fix: "Set up backups first (Backups page, or `podhost backup setup --repository PATH`)." });
    if (!options.password()) throw new UserError({ code: "backup-no-passphrase", field: "backup.password", message: "The backup repository's passphrase is not set.", fix: "Enter the passphrase you wrote down (Backups page > Passphrase)." });
  }

  async function backupNow(reason: BackupReason): Promise<BackupRecord> {
    requireReady();
    await load();
    return exclusive("backup", "Starting the backup", async (job) => {
      ctx.log.info(`Backing up (${reason}) to ${maskRepository(job.target.repository)}.`);
      const record = await runBackup(job, options.openDatabase);
      sizes.set(record.snapshotId, { totalBytes: record.totalBytes, files: record.files });
      await remember({ lastSuccess: record, lastFailure: undefined });
      watchOverdue();
      ctx.log.info(`Backup ${record.snapshotId} saved: ${record.files} files, ${record.totalBytes} bytes (${record.bytesAdded} new) in ${Math.round(record.durationMs / 1000)} s.`);
      return record;
    });
  }

  async function check(readPercent?: number): Promise<CheckRecord> {
    requireReady();
    await load();
    const percent = readPercent ?? settings!.backup.checkReadPercent;
    return exclusive("check", "Checking the repository", async (job) => {
      const args = ["check", ...(percent > 0 ? [`--read-data-subset=${percent}%`] : [])];
      const run = await runRestic(job.target, args, {
        signal: job.signal,
        lowPriority: true,
        removeStaleLocks: true,
        onStderrLine: (line) => {
          const counted = fromCheckLine(line);
          if (counted) job.progress.update(counted);
          else if (/^(load indexes|check all packs|check snapshots|read .* data)/.test(line)) job.progress.phase(line.charAt(0).toUpperCase() + line.slice(1), { unit: "packs" });
        },
      });
      if (job.signal.aborted) throw new UserError({ code: "backup-cancelled", message: "The check was cancelled; the repository is unchanged." });
      // restic ends a check that found damage with "Fatal: repository contains errors"; any other failure is about reaching the repository.
      const damaged = /repository contains errors/.test(run.stderr);
      if (run.code !== 0 && !damaged) throw new UserError(describeResticFailure(run, "the check", job.target.repository));
      const ok = run.code === 0;
      const record: CheckRecord = { at: ctx.clock.now(), ok, readPercent: percent, message: ok ? `The repository is intact (read back ${percent}% of the data).` : `The check found damage: ${(run.stdout + run.stderr).trim().split("\n").slice(-3).join(" ")}` };
      await remember({ lastCheck: record });
      if (!ok) throw new UserError({ code: "backup-check-failed", message: record.message, fix: "Make a new backup now (it stores any missing data again), then run the check again; if it still fails, start a new repository on another disk." });
      return record;
    });
  }

  async function list(): Promise<SnapshotInfo[]> {
    requireReady();
    const run = await restic(target(), ["snapshots", "--json", "--tag", podhostTag], "listing the backups");
    const snapshots = JSON.parse(run.stdout || "[]") as Array<{ id: string; short_id: string; time: string; tags?: string[] }>;
    const result: SnapshotInfo[] = [];
    for (const snapshot of snapshots.reverse()) {
      let size = sizes.get(snapshot.id) ?? sizes.get(snapshot.short_id);
      if (!size) {
        const stats = JSON.parse((await restic(target(), ["stats", "--json", "--mode", "restore-size", snapshot.id], "listing the backups")).stdout) as { total_size: number; total_file_count: number };
        size = { totalBytes: stats.total_size, files: stats.total_file_count };
        sizes.set(snapshot.id, size);
      }
      const holds = (snapshot.tags ?? []).filter((t) => t.startsWith("part:")).map((t) => partLabels[t.slice(5)] ?? t.slice(5));
      result.push({ id: snapshot.id, shortId: snapshot.short_id, time: snapshot.time, holds, totalBytes: size.totalBytes, files: size.files, podhost: true });
    }
    return result;
  }

  async function setUp(repository: string, password: string): Promise<BackupSetupResult> {
    if (job) throw new UserError({ code: "backup-busy", message: `A ${job.operation} is running right now.`, fix: "Wait for it to finish, or cancel it, then try again." });
    const probe = await runRestic(target(repository, password), ["cat", "config"]);
    if (probe.code === 0) return { created: false };
    const failure = describeResticFailure(probe, "opening the repository", repository);
    if (failure.code !== "backup-repository-missing") throw new UserError(failure);
    await restic(target(repository, password), ["init"], "creating the backup repository");
    ctx.log.info(`Created a backup repository at ${maskRepository(repository)}.`);
    return { created: true };
  }

  async function restoreFilesStage(snapshotId: string, podDir?: string): Promise<RestoredFiles> {
    requireReady();
    await load();
    return exclusive("restore", "Starting the restore", (job) => restoreFiles(job, snapshotId, podDir));
  }

  async function restoreDatabaseStage(files: RestoredFiles): Promise<"restored" | "none"> {
    try {
      if (!files.dumpFile) return "none";
      return await exclusive("restore", "Recreating the pod's database", async (job) => {
        const database = await options.openDatabase();
        if (!database) throw new UserError({ code: "restore-no-database", field: "pod.managedPostgres", message: "The backup holds a database, but the pod has none to restore it into.", fix: "Turn on Settings > Pod > Managed PostgreSQL (or set up config/database.yml), then restore again." });
        try {
          await restoreDatabase(job, database, files.dumpFile!);
        } finally {
          await database.release();
        }
        return "restored" as const;
      });
    } finally {
      await rm(paths.restoreStaging, { recursive: true, force: true });
    }
  }

  /** The daily run: a backup, then retention, then a check when one is due. */
  async function scheduledRun(): Promise<void> {
    const current = settings;
    if (!current || !running) return;
    await remember({ lastScheduledAt: ctx.clock.now() });
    try {
      await backupNow("scheduled");
      const { keepDaily, keepWeekly, keepMonthly } = current.backup;
      await exclusive("backup", "Removing old backups (retention)", (job) =>
        restic(job.target, ["forget", "--tag", podhostTag, "--host", snapshotHost, "--group-by", "host", "--keep-daily", String(keepDaily), "--keep-weekly", String(keepWeekly), "--keep-monthly", String(keepMonthly), "--prune"], "removing old backups", { signal: job.signal, lowPriority: true, removeStaleLocks: true }),
      );
      if (checkDue(ctx.clock.now(), memory.lastCheck?.at, current.backup.checkEveryDays)) await check();
    } catch {
      // Recorded in lastFailure and the log; the status says it.
    }
    plan();
  }

  /** The moment the last good backup becomes "overdue" changes the status without any event: wake up for it. */
  let overdueTimer: { cancel(): void } | undefined;
  function watchOverdue(): void {
    overdueTimer?.cancel();
    overdueTimer = undefined;
    const at = memory.lastSuccess ? memory.lastSuccess.at + overdueAfterMs + 1 : undefined;
    if (running && at !== undefined && at > ctx.clock.now()) overdueTimer = ctx.clock.setTimeout(() => events.changed(), at - ctx.clock.now());
  }

  function plan(): void {
    watchOverdue();
    timer?.cancel();
    timer = undefined;
    if (!running || !settings?.backup.enabled || !ready()) return events.changed();
    const at = nextDailyRun(ctx.clock.now(), settings.backup.hour, memory.lastScheduledAt);
    timer = ctx.clock.setTimeout(() => void scheduledRun(), Math.max(0, at - ctx.clock.now()));
    nextRunAt = at;
    events.changed();
  }
  let nextRunAt: number | undefined;

  function status(): BackupStatus {
    const enabled = settings?.backup.enabled ?? false;
    const repository = settings?.backup.repository ? maskRepository(settings.backup.repository) : undefined;
    const base = { enabled, ...(repository ? { repository } : {}), ...(memory.lastSuccess ? { lastSuccess: memory.lastSuccess } : {}), ...(memory.lastFailure ? { lastFailure: memory.lastFailure } : {}), ...(memory.lastCheck ? { lastCheck: memory.lastCheck } : {}), ...(enabled && timer && nextRunAt ? { nextRunAt } : {}) };
    if (job) {
      const verb = { backup: "Backing up", check: "Checking the backups", restore: "Restoring" }[job.operation];
      const state = ({ backup: "backing-up", check: "checking", restore: "restoring" } as const)[job.operation];
      return { ...base, state, message: `${verb}: ${job.progress.value.phase.toLowerCase()}.`, action: { label: "Cancel", command: "backup.cancel" }, progress: job.progress.value };
    }
    const now = ctx.clock.now();
    const last = memory.lastSuccess;
    const lastText = last ? `The last good backup is from ${when(last.at)} (${formatBytes(last.totalBytes)}, snapshot ${last.snapshotId.slice(0, 8)}).` : "";
    if (!repository || !options.password()) {
      return { ...base, state: "off", message: `Backups are not set up: if this computer's disk dies, the pod and every account on it are gone for good. ${lastText}`.trim(), action: { label: "Set up backups", page: "backups" } };
    }
    const failure = memory.lastFailure;
    if (failure && (!last || failure.at > last.at)) {
      return { ...base, state: "failed", message: `The last ${failure.operation} failed: ${failure.error.message}${failure.error.fix ? ` ${failure.error.fix}` : ""} ${lastText}`.trim(), action: { label: "Back up now", command: "backup.now" } };
    }
    if (!last) return { ...base, state: "never", message: `No backup has been made yet.${enabled ? "" : " Daily backups are off."}`, action: { label: "Back up now", command: "backup.now" } };
    if (now - last.at > overdueAfterMs) {
      const days = Math.floor((now - last.at) / dayMs);
      return { ...base, state: "overdue", message: `No backup for ${days} days: ${lastText}${enabled ? "" : " Daily backups are off."}`, action: { label: "Back up now", command: "backup.now" } };
    }
    const checkText = memory.lastCheck ? (memory.lastCheck.ok ? ` Verified ${when(memory.lastCheck.at)}.` : ` The last check (${when(memory.lastCheck.at)}) found damage.`) : " Not verified yet (no check has run).";
    return { ...base, state: "backed-up", message: `${lastText}${checkText}${enabled ? "" : " Daily backups are off."}`, action: { label: "Back up now", command: "backup.now" } };
  }

  return {
    async configure(next) {
      settings = next;
      await load();
      plan();
    },
    async start() {
      running = true;
      await load();
      plan();
    },
    async stop() {
      running = false;
      overdueTimer?.cancel();
      timer?.cancel();
      timer = undefined;
      job?.controller.abort();
      events.changed();
    },
    backupNow,
    check,
    list,
    cancel() {
      if (!job) return false;
      job.progress.phase("Cancelling");
      job.controller.abort();
      return true;
    },
    setUp,
    restoreFiles: restoreFilesStage,
    restoreDatabase: restoreDatabaseStage,
    ready,
    status,
    onChange: (listener) => events.onChange(listener),
  };
}

/** "2026-05-04 03:00" in this computer's time. */
function when(at: number): string {
  const d = new Date(at);
  const two = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}`;
}
