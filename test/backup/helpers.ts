import { createHash, randomBytes } from "node:crypto";
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { chmod, mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join, relative } from "node:path";
import type { BackupStatus } from "../../shared/backup";
import type { StatusSnapshot } from "../../shared/status";
import { ControlClient } from "../../main/cli/client";
import { fakeCheckout } from "../pod/fake-checkout";
import { standInPod } from "../pod/helpers";
import { podhost, type CliResult } from "../helpers/podhost";
import { freePort } from "../helpers/ports";
import { waitFor } from "../helpers/temp";
import { requireTool } from "../helpers/tools";
import { giveTo, type TestUser } from "../helpers/unprivileged";

export const restic = requireTool("restic");
export const rclone = requireTool("rclone");

/**
 * A diaspora*-shaped checkout whose web process is the stand-in pod keeping posts in the
 * PostgreSQL that config/database.yml names (the managed one, once podhost wrote it), with
 * config files and an uploads folder like a real pod's.
 */
export async function postsCheckout(root: string, user: TestUser, options: { writeContinuously?: boolean } = {}) {
  const redisPort = await freePort();
  const checkout = await fakeCheckout(root, { redisUrl: `redis://127.0.0.1:${redisPort}`, dbPort: 5432 });
  const puma = `#!/bin/sh\nexec '${process.execPath}' '${standInPod}' --port "\${SERVER_LISTEN##*:}" --posts --database-yml config/database.yml${options.writeContinuously ? " --write-continuously" : ""}\n`;
  await writeFile(join(checkout.dir, "bin", "puma"), puma);
  await chmod(join(checkout.dir, "bin", "puma"), 0o755);
  await mkdir(join(checkout.dir, "config", "initializers"), { recursive: true });
  await writeFile(join(checkout.dir, "config", "initializers", "secret_token.rb"), `Diaspora::Application.config.secret_key_base = '${randomBytes(32).toString("hex")}'\n`);
  await mkdir(join(checkout.dir, "public", "uploads", "images"), { recursive: true });
  giveTo(user, root);
  return { ...checkout, redisPort };
}

/** Settings of a diaspora* pod on free ports with the managed PostgreSQL and Redis. */
export async function diasporaSettings(podDir: string): Promise<Record<string, unknown>> {
  return {
    domain: "pod.example.test",
    "pod.profile": "diaspora",
    "pod.dir": podDir,
    "pod.port": await freePort(),
    "pod.managedPostgres": true,
    "pod.managedRedis": true,
    "proxy.httpsPort": await freePort(),
    "proxy.httpPort": await freePort(),
  };
}

/** Random files under `dir` (each `size` bytes), as users' uploads. */
export async function writeUploads(dir: string, count: number, size: number, prefix = "photo"): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (let i = 0; i < count; i++) await writeFile(join(dir, `${prefix}-${i}.jpg`), randomBytes(size));
}

/** sha256 of every file below `dir`, by relative path. */
export async function hashTree(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (path: string) => {
    for (const entry of await readdir(path, { withFileTypes: true })) {
      const full = join(path, entry.name);
      if (entry.isDirectory()) await walk(full);
      else out[relative(dir, full)] = createHash("sha256").update(await readFile(full)).digest("hex");
    }
  };
  await walk(dir);
  return out;
}

/** The daemon's status over its local socket (as the CLI reads it, without a process per look). */
export function status(dataDir: string): Promise<StatusSnapshot> {
  return new ControlClient(dataDir).status();
}

/**
 * SIGKILL for the daemon and the backup programs it runs right now (restic, pg_dump): podhost
 * killed mid-job. The pod's own processes are left running, orphaned, as they would be.
 */
export function killDaemonHard(daemonPid: number): number[] {
  const children = execFileSync("ps", ["-o", "pid=,comm=", "--ppid", String(daemonPid)], { encoding: "utf8" })
    .split("\n")
    .map((line) => line.trim().split(/\s+/))
    .filter(([, comm]) => comm === "restic" || comm === "pg_dump")
    .map(([pid]) => Number(pid));
  for (const pid of [daemonPid, ...children]) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // Already gone.
    }
  }
  return [daemonPid, ...children];
}

/** Gone from the process table, not just dead: restic counts a zombie's lock as held (kill(pid, 0) still succeeds). */
export function reaped(pids: number[]): boolean {
  return pids.every((pid) => !existsSync(`/proc/${pid}`));
}

export async function startPod(dataDir: string): Promise<StatusSnapshot> {
  const started = await podhost(dataDir, ["start"]);
  if (started.code !== 0) throw new Error(`podhost start failed: ${started.stdout}${started.stderr}`);
  return waitFor("the pod to run", async () => {
    const snapshot = await status(dataDir);
    return snapshot.pod.state === "running" && snapshot;
  }, 60_000);
}

/** `podhost backup setup` with a new repository; returns the passphrase podhost made (shown once). */
export async function setUpBackups(dataDir: string, repository: string): Promise<string> {
  const result = await podhost(dataDir, ["backup", "setup", "--repository", repository]);
  if (result.code !== 0) throw new Error(`backup setup failed: ${result.stderr}`);
  const passphrase = /^\s+([a-z0-9]{5}(?:-[a-z0-9]{5}){5})$/m.exec(result.stdout)?.[1];
  if (!passphrase) throw new Error(`no passphrase in: ${result.stdout}`);
  return passphrase;
}

/** `podhost` with `input` on its stdin (a passphrase). */
export function podhostWithInput(dataDir: string, args: string[], input: string): Promise<CliResult> {
  return new Promise((resolve) => {
    try {
      const stdout = execFileSync(process.execPath, [cliPath, "--data-dir", dataDir, ...args], { input, encoding: "utf8", stdio: ["pipe", "pipe", "pipe"], timeout: 300_000 });
      resolve({ code: 0, stdout, stderr: "" });
    } catch (error) {
      const failed = error as { status?: number; stdout?: string; stderr?: string };
      resolve({ code: failed.status ?? 1, stdout: failed.stdout ?? "", stderr: failed.stderr ?? "" });
    }
  });
}
const cliPath = new URL("../../bin/podhost.js", import.meta.url).pathname;

/** The test's own restic takes the passphrase from its environment (podhost never does). */
export function resticEnv(repository: string, passphrase: string): NodeJS.ProcessEnv {
  return { ...process.env, RESTIC_REPOSITORY: repository, RESTIC_PASSWORD: passphrase, RESTIC_CACHE_DIR: "/tmp/podhost-test-restic-cache" };
}

/** restic run by the test itself (the trusted peer), with the passphrase on stdin. */
export function resticAs(repository: string, passphrase: string, args: string[]): { code: number; out: string } {
  try {
    const out = execFileSync(restic, args, { env: resticEnv(repository, passphrase), encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], maxBuffer: 64 * 1024 * 1024 });
    return { code: 0, out };
  } catch (error) {
    const failed = error as { status?: number; stdout?: string; stderr?: string };
    return { code: failed.status ?? 1, out: `${failed.stdout ?? ""}${failed.stderr ?? ""}` };
  }
}

/** For each backup in the daemon's log, oldest first: whether it dumped the pod's database or reused the kept dump. */
export async function dumpVerdicts(dataDir: string): Promise<Array<"dumped" | "reused">> {
  const log = (await podhost(dataDir, ["logs", "-n", "5000"])).stdout.split("\n");
  return log.flatMap((line) => (/\[backup\] Dumped the pod's database/.test(line) ? ["dumped" as const] : /\[backup\] The pod's database has not changed since the last backup: its dump is reused/.test(line) ? ["reused" as const] : []));
}

/** Waits until the backup status shows a running job that has moved `minBytes` bytes. */
export function backupProgressed(dataDir: string, minBytes: number): Promise<BackupStatus> {
  return waitFor("the backup to be under way", async () => {
    const backup = (await status(dataDir)).backup;
    return backup.state === "backing-up" && (backup.progress?.bytesDone ?? 0) >= minBytes && backup;
  }, 60_000, 50);
}
