import { mkdir, readdir, readFile, rename, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import type { BackupRecord } from "../../shared/backup";
import { UserError } from "../../shared/errors";
import type { Settings } from "../../shared/settings";
import type { Logger } from "../log";
import type { PodDatabase } from "../pod/database";
import { postgresEnv } from "../pod/managed-postgres";
import { writeFileSafely } from "../store/files";
import { runChild } from "./child";
import { fromResticStatus, type ProgressMeter } from "./progress";
import { restic, type ResticTarget } from "./restic";
import { backupPaths, planParts, type BackupManifest } from "./sources";

export interface JobContext {
  target: ResticTarget;
  settings: Settings;
  dataDir: string;
  log: Logger;
  progress: ProgressMeter;
  signal: AbortSignal;
  now(): number;
}

/** The tag every podhost snapshot carries; retention and "latest" look only at these. */
export const podhostTag = "podhost";
/** One fixed host name in every snapshot: a restored pod on a new computer continues the same history. */
export const snapshotHost = "podhost";

/**
 * One backup: dump the database consistently (pg_dump takes one snapshot of it while the pod
 * keeps writing), write the manifest, then `restic backup` the parts at low priority (removing
 * locks an interrupted run of ours left, if one is in the way). The last dump stays in the staging folder with the
 * database's state (see databaseState): when nothing was committed since, the next backup reuses
 * it unchanged (no pg_dump, and restic skips the unchanged file instead of reading it again).
 */
export async function runBackup(job: JobContext, openDatabase: () => Promise<PodDatabase | undefined>): Promise<BackupRecord> {
  const { target, settings, dataDir, progress, signal } = job;
  const started = job.now();
  const paths = backupPaths(dataDir);
  await mkdir(paths.staging, { recursive: true, mode: 0o700 });
  for (const entry of await readdir(paths.staging)) if (!keptDump.includes(entry)) await rm(join(paths.staging, entry), { recursive: true, force: true });
  try {
    const manifest: BackupManifest = { version: 1, createdAt: new Date(started).toISOString(), dataDir, profile: settings.pod.profile, parts: [] };
    if (settings.pod.profile === "diaspora" && settings.pod.dir) manifest.podDir = settings.pod.dir;
    const tags = [podhostTag];

    progress.phase("Dumping the pod's database");
    const database = await openDatabase();
    if (database) {
      const dumpStarted = job.now();
      try {
        const reused = await dumpUnlessUnchanged(database, paths.staging, signal);
        job.log.info(reused ? "The pod's database has not changed since the last backup: its dump is reused." : `Dumped the pod's database in ${((job.now() - dumpStarted) / 1000).toFixed(1)} s.`);
      } finally {
        await database.release();
      }
      manifest.database = { kind: database.kind, name: database.connection.database, user: database.connection.user, file: "database.pgdump" };
      tags.push("part:database");
    } else {
      for (const entry of keptDump) await rm(join(paths.staging, entry), { force: true });
    }
    if (settings.pod.profile === "custom" && settings.backup.dumpCommand.length > 0) {
      await customDump(settings, join(paths.staging, "custom-dump"), signal);
      manifest.customDump = "custom-dump";
      tags.push("part:custom-dump");
    }
    manifest.parts = planParts(settings, dataDir);
    for (const part of manifest.parts) tags.push(`part:${part.part}`);
    await writeFileSafely(join(paths.staging, "manifest.json"), `${JSON.stringify(manifest, null, 2)}\n`, 0o600);
    if (signal.aborted) throw cancelled();

    progress.phase("Backing up files", { bytesDone: 0, itemsDone: 0 });
    let summary: Record<string, unknown> | undefined;
    const allPaths = [...manifest.parts.flatMap((p) => p.paths), paths.staging];
    // The snapshot's time is podhost's clock (retention counts days by it).
    const args = ["backup", "--json", "--host", snapshotHost, "--time", resticTime(started), ...tags.flatMap((t) => ["--tag", t]), "--", ...allPaths];
    // restic retries a repository that stops answering (for up to 15 minutes): say so while it does.
    let retryingSince: number | undefined;
    await restic(target, args, "the backup", {
      signal,
      lowPriority: true,
      removeStaleLocks: true,
      onJson: (message) => {
        if (message.message_type === "summary") summary = message;
        const values = fromResticStatus(message);
        if (!values) return;
        if (retryingSince !== undefined && (values.bytesDone ?? 0) > retryingSince) {
          retryingSince = undefined;
          progress.phase("Backing up files");
        }
        progress.update(values);
      },
      onStderrLine: (line) => {
        if (!/returned error, retrying after/.test(line) || retryingSince !== undefined) return;
        retryingSince = progress.value.bytesDone ?? 0;
        progress.phase("The backup repository is not answering; retrying", { ...progress.value });
        job.log.warn(`The backup repository is not answering; restic retries: ${line}`);
      },
    });
    if (!summary || typeof summary.snapshot_id !== "string") throw new UserError({ code: "backup-failed", message: "restic finished without naming the snapshot it saved, so podhost cannot tell that the backup is complete.", fix: "Run `podhost backup now` again; if it repeats, run `podhost backup check`." });
    const num = (key: string) => (typeof summary![key] === "number" ? (summary![key] as number) : 0);
    job.log.info(`restic stored the snapshot in ${num("total_duration").toFixed(1)} s: ${num("files_new")} new, ${num("files_changed")} changed and ${num("files_unmodified")} unchanged files.`);
    return { at: started, snapshotId: summary.snapshot_id, totalBytes: num("total_bytes_processed"), files: num("total_files_processed"), bytesAdded: num("data_added"), durationMs: job.now() - started };
  } finally {
    await rm(join(paths.staging, "custom-dump"), { force: true });
  }
}

/** The dump and the database's state it was taken in, kept between backups. */
const keptDump = ["database.pgdump", "database.state"];

/**
 * What the pod's database holds, as exactly as PostgreSQL can say it without reading the data:
 * the cluster (system identifier), the database (OID: a restore recreates it), the transaction
 * snapshot (`xmin:xmax:running`, which changes the moment any transaction commits or aborts,
 * cluster-wide) and every sequence's value (nextval() changes a sequence without a transaction of
 * its own). Equal states mean a new pg_dump would hold exactly what the kept one holds.
 *
 * Not the WAL position: it moves with no data changed (checkpoints, VACUUM, the standby snapshot
 * the bgwriter logs), and pg_current_wal_lsn() lags a commit made with synchronous_commit off or
 * to an unlogged table (measured: the row visible, the position unchanged), which would reuse a
 * dump that misses a committed write. Undefined when the state cannot be read (a server before
 * PostgreSQL 13): then the dump is always taken.
 */
async function databaseState(database: PodDatabase, signal: AbortSignal): Promise<string | undefined> {
  const { connection, bin } = database;
  const sequences = "(SELECT string_agg(format('%I.%I=%s', schemaname, sequencename, last_value), ',' ORDER BY schemaname, sequencename) FROM pg_sequences)";
  const query = `SELECT concat_ws(' ', (SELECT system_identifier FROM pg_control_system()), d.oid, pg_current_snapshot(), ${sequences}) FROM pg_database d WHERE d.datname = current_database()`;
  const result = await runChild(join(bin, "psql"), ["-tAXc", query], { env: postgresEnv(connection, process.env), signal });
  return result.code === 0 && result.stdout.trim() ? `${connection.host}:${connection.port}/${connection.database} ${result.stdout.trim()}` : undefined;
}

/** A new dump, unless the database has not changed since the one kept; true when the kept one is reused. */
async function dumpUnlessUnchanged(database: PodDatabase, staging: string, signal: AbortSignal): Promise<boolean> {
  const [dumpFile, stateFile] = keptDump.map((name) => join(staging, name)) as [string, string];
  const state = await databaseState(database, signal);
  const previous = await readFile(stateFile, "utf8").catch(() => undefined);
  if (state !== undefined && previous === state && (await stat(dumpFile).then(() => true, () => false))) return true;
  await rm(stateFile, { force: true });
  // Read before the dump: a commit after this moment changes the state, so the next backup dumps
  // again even when pg_dump's own (later) snapshot already held it; none can slip in unseen.
  await dumpDatabase(database, `${dumpFile}.partial`, signal);
  await rename(`${dumpFile}.partial`, dumpFile);
  if (state !== undefined) await writeFileSafely(stateFile, state, 0o600);
  return false;
}

/** pg_dump's custom format, uncompressed: restic compresses and deduplicates it across backups. */
async function dumpDatabase(database: PodDatabase, file: string, signal: AbortSignal): Promise<void> {
  const result = await runChild(join(database.bin, "pg_dump"), ["--format=custom", "--compress=0", "--file", file], { env: postgresEnv(database.connection, process.env), signal });
  if (signal.aborted) throw cancelled();
  if (result.code !== 0) {
    const full = /no space left on device/i.test(result.stderr);
    throw new UserError(
      full
        ? { code: "backup-staging-full", message: "The disk holding podhost's data dir is full: the database dump could not be written before the backup.", fix: "Free some space on this computer's disk, then back up again." }
        : { code: "backup-dump-failed", message: `The pod's database could not be dumped: ${result.stderr.split("\n").pop() ?? "pg_dump failed"}.`, fix: "Check that the pod's database runs (Status page), then back up again." },
    );
  }
}

async function customDump(settings: Settings, file: string, signal: AbortSignal): Promise<void> {
  const [command, ...args] = settings.backup.dumpCommand;
  const result = await runChild(command!, args, { env: { ...process.env, ...settings.pod.env }, ...(settings.pod.cwd ? { cwd: settings.pod.cwd } : {}), stdoutFile: file, signal }).catch((error: Error) => ({ code: -1, stderr: error.message }));
  if (signal.aborted) throw cancelled();
  const size = await stat(file).then((s) => s.size, () => 0);
  if (result.code !== 0 || size === 0) {
    throw new UserError({ code: "backup-dump-failed", field: "backup.dumpCommand", message: `The dump command (${settings.backup.dumpCommand.join(" ")}) ${result.code !== 0 ? `failed: ${result.stderr.split("\n").pop() || `exit code ${result.code}`}` : "printed nothing"}.`, fix: "Fix backup.dumpCommand in Settings > Backups: it must print the pod's database dump on its standard output." });
  }
}

export function cancelled(): UserError {
  return new UserError({ code: "backup-cancelled", message: "The backup was cancelled; the repository is left as it was before, and the last good backup still stands." });
}

/** "2026-05-04 03:00:00" in local time, as `restic backup --time` reads it. */
function resticTime(at: number): string {
  const d = new Date(at);
  const two = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}
