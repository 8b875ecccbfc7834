import { cp, lstat, mkdir, readdir, readFile, rename, rm, stat } from "node:fs/promises";
import { dirname, join, relative } from "node:path";
import { UserError } from "../../shared/errors";
import type { PodDatabase } from "../pod/database";
import { postgresEnv, ensureRoleAndDatabase } from "../pod/managed-postgres";
import { runChild } from "./child";
import { cancelled, type JobContext } from "./backup-job";
import { restic, runRestic } from "./restic";
import { backupPaths, diasporaPaths, podhostStatePaths, type BackupManifest } from "./sources";

/** What the file stage of a restore placed, for the database stage and the answer. */
export interface RestoredFiles {
  manifest: BackupManifest;
  podDir?: string;
  /** The database dump, still in the restore staging folder. */
  dumpFile?: string;
  keptAside?: string;
}

/**
 * Restore, stage one: the snapshot into a staging folder in the data dir (restic 0.14 restores
 * whole snapshots only, with no progress of its own: progress is the staged bytes against the
 * snapshot's restore size), then each part moved to where it belongs on this computer. Files it
 * replaces are moved aside, never deleted.
 */
export async function restoreFiles(job: JobContext, snapshotId: string, podDirOverride: string | undefined): Promise<RestoredFiles> {
  const { target, dataDir, progress, signal } = job;
  const paths = backupPaths(dataDir);
  progress.phase("Reading the snapshot");
  // Each restic run derives the repository key (scrypt, about 0.5 s by restic's design), so the
  // snapshot's size is read while its paths are, and the manifest is read from the restored files
  // rather than by a restic run of its own. The size is asked again, once the paths' run has
  // removed a stale lock that may have been in its way, if that first try failed.
  const sizing = runRestic(target, ["stats", "--json", "--mode", "restore-size", snapshotId], { signal }).catch(() => undefined);
  const listed = await restic(target, ["snapshots", "--json", snapshotId], "reading the snapshot", { signal, removeStaleLocks: true });
  const snapshot = (JSON.parse(listed.stdout || "[]") as Array<{ paths: string[]; id: string }>)[0];
  const stagingInSnapshot = snapshot?.paths.find((p) => p.endsWith(join("backup", "staging")));
  if (!snapshot || !stagingInSnapshot) throw new UserError({ code: "restore-not-podhost", message: `Snapshot ${snapshotId} was not made by podhost (it has no pod manifest), so podhost cannot tell where its files belong.`, fix: "Pick a snapshot from podhost's list (`podhost backup list`), or restore this one with restic itself." });
  const firstSize = await sizing;
  const sized = firstSize?.code === 0 ? firstSize : await restic(target, ["stats", "--json", "--mode", "restore-size", snapshotId], "reading the snapshot", { signal });
  const size = JSON.parse(sized.stdout) as { total_size?: number; total_file_count?: number };

  await rm(paths.restoreStaging, { recursive: true, force: true });
  await mkdir(paths.restoreStaging, { recursive: true, mode: 0o700 });
  progress.phase("Restoring files", { bytesDone: 0, ...(size.total_size !== undefined ? { bytesTotal: size.total_size } : {}), itemsDone: 0, ...(size.total_file_count !== undefined ? { itemsTotal: size.total_file_count } : {}) });
  const watcher = watchFolder(paths.restoreStaging, (bytes, files) => progress.update({ bytesDone: bytes, itemsDone: files }));
  try {
    await restic(target, ["restore", snapshot.id, "--target", paths.restoreStaging], "the restore", { signal, lowPriority: true });
  } finally {
    watcher.stop();
  }
  if (signal.aborted) throw cancelled();
  const staged = (original: string) => join(paths.restoreStaging, original);
  const manifest = JSON.parse(await readFile(staged(join(stagingInSnapshot, "manifest.json")), "utf8")) as BackupManifest;

  progress.phase("Putting files in place");
  const aside = join(paths.replaced, new Date(job.now()).toISOString().replace(/[:.]/g, "-"));
  let movedAside = false;
  const place = async (from: string, to: string) => {
    if (!(await exists(from))) return;
    if (await exists(to)) {
      const kept = join(aside, relative("/", to));
      await mkdir(dirname(kept), { recursive: true, mode: 0o700 });
      await move(to, kept);
      movedAside = true;
    }
    await mkdir(dirname(to), { recursive: true, mode: 0o700 });
    await move(from, to);
  };
  for (const original of podhostStatePaths(manifest.dataDir)) await place(staged(original), join(dataDir, relative(manifest.dataDir, original)));
  const podDir = podDirOverride ?? manifest.podDir;
  if (manifest.podDir && podDir) {
    const { configuration, uploads } = diasporaPaths(manifest.podDir);
    for (const original of [...configuration, ...uploads]) await place(staged(original), join(podDir, relative(manifest.podDir, original)));
  }
  for (const part of manifest.parts.filter((p) => p.part === "custom")) for (const original of part.paths) await place(staged(original), original);
  const stagingDir = staged(join(manifest.dataDir, "backup", "staging"));
  return {
    manifest,
    ...(podDir ? { podDir } : {}),
    ...(manifest.database ? { dumpFile: join(stagingDir, manifest.database.file) } : {}),
    ...(movedAside ? { keptAside: aside } : {}),
  };
}

/**
 * Restore, stage two: the database recreated from the dump. A managed database of the same
 * name is renamed aside first (nothing is dropped), then made anew for the pod's role.
 */
export async function restoreDatabase(job: JobContext, database: PodDatabase, dumpFile: string): Promise<void> {
  const { progress, signal } = job;
  progress.phase("Recreating the pod's database");
  const { connection, bin } = database;
  const env = process.env;
  if (database.kind === "managed") {
    const admin = postgresEnv({ ...connection, user: "podhost", database: "postgres" }, env);
    const stamp = new Date(job.now()).toISOString().replace(/\D/g, "").slice(0, 14);
    const renamed = await runChild(join(bin, "psql"), ["-v", "ON_ERROR_STOP=1", "-tAXc", `DO $$ BEGIN IF EXISTS (SELECT FROM pg_database WHERE datname = '${connection.database}') THEN ALTER DATABASE "${connection.database}" RENAME TO "${connection.database}_before_restore_${stamp}"; END IF; END $$`], { env: admin, signal });
    if (renamed.code !== 0) throw restoreFailed(renamed.stderr);
    const made = await ensureRoleAndDatabase(connection, bin, env);
    if (!made.ok) throw restoreFailed(made.output);
  }
  const args = ["--no-owner", "--no-privileges", "--exit-on-error", "--dbname", connection.database, ...(database.kind === "external" ? ["--clean", "--if-exists"] : []), dumpFile];
  const restored = await runChild(join(bin, "pg_restore"), args, { env: postgresEnv(connection, env), signal });
  if (signal.aborted) throw cancelled();
  if (restored.code !== 0) throw restoreFailed(restored.stderr);
}

function restoreFailed(detail: string): UserError {
  return new UserError({ code: "restore-database-failed", message: `The pod's database could not be recreated: ${detail.trim().split("\n").pop() ?? "pg_restore failed"}.`, fix: "The files are restored; check that PostgreSQL runs (Status page, the pod's postgres process) and run the restore again." });
}

/** Sums a folder's file sizes every 250 ms while restic fills it. */
function watchFolder(dir: string, report: (bytes: number, files: number) => void): { stop(): void } {
  let stopped = false;
  const walk = async (path: string): Promise<[number, number]> => {
    const entries = await readdir(path, { withFileTypes: true }).catch(() => []);
    let bytes = 0;
    let files = 0;
    for (const entry of entries) {
      const full = join(path, entry.name);
      if (entry.isDirectory()) {
        const [b, f] = await walk(full);
        bytes += b;
        files += f;
      } else if (entry.isFile()) {
        bytes += await stat(full).then((s) => s.size, () => 0);
        files++;
      }
    }
    return [bytes, files];
  };
  const tick = async () => {
    while (!stopped) {
      const [bytes, files] = await walk(dir);
      if (!stopped) report(bytes, files);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  };
  void tick();
  return { stop: () => (stopped = true) };
}

/** Rename, or copy and remove across disks (the pod's folder may be on another one). */
async function move(from: string, to: string): Promise<void> {
  try {
    await rename(from, to);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EXDEV") throw error;
    await cp(from, to, { recursive: true, preserveTimestamps: true });
    await rm(from, { recursive: true, force: true });
  }
}

async function exists(path: string): Promise<boolean> {
  return lstat(path).then(() => true, () => false);
}
