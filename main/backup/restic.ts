import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { UserError, type UserErrorInfo } from "../../shared/errors";

/**
 * How podhost reaches one restic repository. The passphrase goes to restic on its standard input
 * (restic reads it from there when stdin is not a terminal): never argv, the environment or a file.
 */
export interface ResticTarget {
  repository: string;
  password: string;
  /** restic's local cache (index and tree data), kept out of the backup. */
  cacheDir: string;
  env: NodeJS.ProcessEnv;
  /** The restic program; default: found on the PATH, or shipped next to podhost (RESTIC_BINARY overrides). */
  binary?: string;
  /**
   * A file kept while a job's restic runs (see ResticOptions.removeStaleLocks): one left behind
   * (podhost killed, a run cancelled or failed) means that run's lock may still be in the repository.
   */
  journal?: string;
}

export interface ResticRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface ResticOptions {
  /** Each JSON line restic prints (`--json` progress and summaries). */
  onJson?: (message: Record<string, unknown>) => void;
  /** Each text line on stderr (check's progress, warnings). */
  onStderrLine?: (line: string) => void;
  /** Ends restic with SIGINT, which it answers by removing its lock and exiting: the repository stays consistent. */
  signal?: AbortSignal;
  /** Run at lower CPU and disk priority (nice 10, ionice best-effort 7 on Linux), so the pod stays responsive. */
  lowPriority?: boolean;
  /**
   * A job's run (one at a time): `restic unlock`, which removes stale locks (their process gone,
   * never a live one), runs first when the journal says our last run may have left one, and when
   * a lock is in this run's way, which then runs once more. Only then: each restic run opens the
   * repository key with scrypt (about 0.4 s of CPU), which an unlock before every backup doubled.
   */
  removeStaleLocks?: boolean;
}

/** How long a cancelled restic gets to remove its lock before it is killed. */
const cancelGraceMs = 10_000;

/** restic: RESTIC_BINARY, then the PATH, then a copy shipped in podhost's resources (packaged apps). */
export function resticBinary(env: NodeJS.ProcessEnv): string {
  if (env.RESTIC_BINARY) return env.RESTIC_BINARY;
  const exe = process.platform === "win32" ? "restic.exe" : "restic";
  for (const dir of (env.PATH ?? "").split(process.platform === "win32" ? ";" : ":").filter(Boolean)) {
    if (existsSync(join(dir, exe))) return join(dir, exe);
  }
  const resources = (process as { resourcesPath?: string }).resourcesPath;
  if (resources && existsSync(join(resources, "bin", exe))) return join(resources, "bin", exe);
  throw new UserError({
    code: "restic-missing",
    field: "backup.repository",
    message: "restic, the backup program podhost uses, is not installed.",
    fix: "Install it (Debian/Ubuntu: `sudo apt install restic`; macOS: `brew install restic`; Windows: `winget install restic.restic`), or set RESTIC_BINARY to its path, then try again.",
  });
}

const lowPriorityWrappers = (): string[] => {
  if (process.platform === "win32") return [];
  const ionice = ["/usr/bin/ionice", "/bin/ionice"].find((p) => existsSync(p));
  return ["nice", "-n", "10", ...(ionice ? [ionice, "-c", "2", "-n", "7"] : [])];
};

/** Run `restic <args>` against the target; resolves with its output whatever the exit code. */
export async function runRestic(target: ResticTarget, args: string[], options: ResticOptions = {}): Promise<ResticRun> {
  if (!options.removeStaleLocks) return spawnRestic(target, args, options);
  const unlock = async () => (await spawnRestic(target, ["unlock"], options.signal ? { signal: options.signal } : {})).code === 0;
  const { journal } = target;
  if (journal && existsSync(journal)) await unlock();
  if (journal) {
    await mkdir(dirname(journal), { recursive: true, mode: 0o700 });
    await writeFile(journal, `${args[0]}\n`, { mode: 0o600 });
  }
  let run = await spawnRestic(target, args, options);
  if (run.code !== 0 && !options.signal?.aborted && lockedOut(run) && (await unlock())) run = await spawnRestic(target, args, options);
  if (journal && run.code === 0) await rm(journal, { force: true });
  return run;
}

/** restic refused to start because another lock is in the repository. */
export const lockedOut = (run: Pick<ResticRun, "stderr">): boolean => /repository is already locked/i.test(run.stderr);

function spawnRestic(target: ResticTarget, args: string[], options: ResticOptions): Promise<ResticRun> {
  const binary = target.binary ?? resticBinary(target.env);
  const wrappers = options.lowPriority ? lowPriorityWrappers() : [];
  const command = wrappers.length > 0 ? [...wrappers, binary] : [binary];
  const env: NodeJS.ProcessEnv = { ...target.env, RESTIC_REPOSITORY: target.repository, RESTIC_CACHE_DIR: target.cacheDir, RESTIC_PROGRESS_FPS: "4" };
  for (const key of ["RESTIC_PASSWORD", "RESTIC_PASSWORD_FILE", "RESTIC_PASSWORD_COMMAND", "RESTIC_REPOSITORY_FILE"]) delete env[key];
  return new Promise((resolve, reject) => {
    const child = spawn(command[0]!, [...command.slice(1), ...args], { env, stdio: ["pipe", "pipe", "pipe"] });
    child.stdin.on("error", () => {});
    child.stdin.end(`${target.password}\n`);
    let stdout = "";
    let stderr = "";
    let pending = "";
    let pendingErr = "";
    child.stdout!.on("data", (chunk: Buffer) => {
      pending += chunk.toString("utf8");
      const lines = pending.split("\n");
      pending = lines.pop() ?? "";
      for (const line of lines) {
        if (line.startsWith("{") && options.onJson) {
          try {
            options.onJson(JSON.parse(line) as Record<string, unknown>);
            continue;
          } catch {
            // Not JSON after all: keep it as text.
          }
        }
        // restic announces where the password comes from on stdout, even with --json.
        if (line === "reading repository password from stdin") continue;
        stdout = (stdout + line + "\n").slice(-1_000_000);
      }
    });
    child.stderr!.on("data", (chunk: Buffer) => {
      pendingErr += chunk.toString("utf8");
      const lines = pendingErr.split(/\r|\n/);
      pendingErr = lines.pop() ?? "";
      for (const line of lines) {
        if (line.trim() === "") continue;
        options.onStderrLine?.(line);
        stderr = (stderr + line + "\n").slice(-20_000);
      }
    });
    // restic answers SIGINT by removing its lock; with the repository gone it would retry that for minutes.
    // A lock left behind is stale once restic is gone, and the next run removes it.
    let killer: NodeJS.Timeout | undefined;
    const abort = () => {
      child.kill("SIGINT");
      killer = setTimeout(() => child.kill("SIGKILL"), cancelGraceMs);
    };
    options.signal?.addEventListener("abort", abort, { once: true });
    if (options.signal?.aborted) abort();
    child.once("error", (error) => {
      options.signal?.removeEventListener("abort", abort);
      reject(error);
    });
    child.once("close", (code, signal) => {
      clearTimeout(killer);
      options.signal?.removeEventListener("abort", abort);
      resolve({ code, signal, stdout: stdout + pending, stderr: stderr + pendingErr });
    });
  });
}

/** Like runRestic, but a non-zero exit becomes the UserError that says what went wrong and what to do. */
export async function restic(target: ResticTarget, args: string[], what: string, options: ResticOptions = {}): Promise<ResticRun> {
  const run = await runRestic(target, args, options);
  if (run.code === 0) return run;
  if (options.signal?.aborted) throw new UserError({ code: "backup-cancelled", message: `${capitalise(what)} was cancelled; the repository is left as it was before.` });
  throw new UserError(describeResticFailure(run, what, target.repository));
}

/**
 * restic's failures in the user's words. restic prints "Fatal: ..." lines; the cases a home user
 * meets (full disk, wrong passphrase, unplugged disk, network) get their own message and fix.
 */
export function describeResticFailure(run: Pick<ResticRun, "stderr" | "code">, what: string, repository: string): UserErrorInfo {
  const text = run.stderr;
  const where = maskRepository(repository);
  const detail = lastFatal(text);
  if (/no space left on device|disk quota exceeded|insufficient (disk )?space|insufficient storage/i.test(text)) {
    return { code: "backup-disk-full", field: "backup.repository", message: `The backup disk is full: ${what} stopped at ${where}. The backups made before are kept and still restore.`, fix: "Free space on the backup disk (or lower the retention in Settings > Backups so older backups are pruned), or choose a larger disk, then back up again." };
  }
  if (/wrong password|no key found/i.test(text)) {
    return { code: "backup-wrong-passphrase", field: "backup.password", message: `The passphrase does not open the backup repository at ${where}.`, fix: "Enter the passphrase you wrote down when the backups were set up (Settings > Backups > Passphrase). Without it the backups cannot be read." };
  }
  if (/Is there a repository at the following location|unable to open config file|repository does not exist|config: no such file/i.test(text)) {
    return { code: "backup-repository-missing", field: "backup.repository", message: `There is no backup repository at ${where}${/no such file or directory/i.test(text) ? " (the folder does not exist: is the disk plugged in?)" : ""}.`, fix: "Plug in the backup disk or check the address in Settings > Backups > Repository; to start a new repository there, use Set up backups." };
  }
  if (/connection refused|no route to host|i\/o timeout|connection reset|EOF|dial tcp|server response unexpected|unexpected HTTP response|rclone: /i.test(text)) {
    return { code: "backup-repository-unreachable", field: "backup.repository", message: `The backup repository at ${where} could not be reached: ${detail}.`, fix: "Check that the backup server (or the rclone remote) is running and reachable from this computer, then try again; nothing was lost." };
  }
  if (lockedOut(run)) {
    return { code: "backup-repository-locked", field: "backup.repository", message: `Another program is using the backup repository at ${where} right now.`, fix: "Wait for it to finish (another computer backing up to the same place?), then try again. podhost removes locks left by its own interrupted runs by itself." };
  }
  if (/permission denied/i.test(text)) {
    return { code: "backup-permission-denied", field: "backup.repository", message: `${capitalise(what)} was refused access at ${where}: ${detail}.`, fix: "Make sure the user podhost runs as may read and write the backup folder, then try again." };
  }
  return { code: "backup-failed", message: `${capitalise(what)} failed: ${detail}.`, fix: "Look at the log (Logs page, source \"backup\") for restic's full message; nothing was lost." };
}

/** The repository for showing: a password in a URL (rest:https://user:pw@host/) is masked. */
export function maskRepository(repository: string): string {
  return repository.replace(/(\/\/[^:/@\s]+:)[^@\s]+@/, "$1•••@");
}

function lastFatal(text: string): string {
  const lines = text.trim().split("\n").filter(Boolean);
  const fatal = lines.filter((l) => /^Fatal:|error/i.test(l)).pop() ?? lines.pop() ?? "restic gave no reason";
  return fatal.replace(/^Fatal:\s*/, "").slice(0, 400);
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
