import { accessSync, closeSync, constants, existsSync, fsyncSync, mkdirSync, openSync, readFileSync } from "node:fs";
import { access, chmod, copyFile, mkdir, open, readdir, readFile, rm } from "node:fs/promises";
import { userInfo } from "node:os";
import { basename, dirname, join } from "node:path";
import writeFileAtomic from "write-file-atomic";
import { UserError } from "../../shared/errors";

/**
 * The one way podhost writes a file it owns (settings, secrets, identity, journals, keys, caches):
 * write a temp file, fsync it, rename it over the old one, fsync the folder. A crash at any point
 * leaves the old file or the new one, never half of either. A folder podhost may not write is
 * reported as a UserError naming the path, never as a stack trace.
 */
export async function writeFileSafely(path: string, data: string, mode = 0o600): Promise<void> {
  try {
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    await writeFileAtomic(path, data, { mode, fsync: true });
    const folder = await open(dirname(path), "r");
    await folder.sync().finally(() => folder.close());
  } catch (error) {
    throw writeProblem(path, error);
  }
}

/** The same, for the few writers that must finish before the next line runs (the pid journal after a spawn). */
export function writeFileSafelySync(path: string, data: string, mode = 0o600): void {
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    writeFileAtomic.sync(path, data, { mode, fsync: true });
    const folder = openSync(dirname(path), "r");
    try {
      fsyncSync(folder);
    } finally {
      closeSync(folder);
    }
  } catch (error) {
    throw writeProblem(path, error);
  }
}

export async function readTextIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

/** The data dir (or one inside it) exists and this user may write it; else a UserError naming it and the fix. */
export async function ensureWritableDir(path: string): Promise<void> {
  try {
    await mkdir(path, { recursive: true, mode: 0o700 });
    await access(path, constants.W_OK);
  } catch (error) {
    throw writeProblem(path, error, path);
  }
}

/** A state file as read: absent, a JSON value, or there but unreadable (kept as it is, with why). */
export type JsonRead = { state: "missing" } | { state: "ok"; value: unknown } | { state: "damaged"; reason: string };

/** The one careful read of a JSON state file: a damaged file is reported, never taken for a missing one. */
export async function readJsonFile(path: string): Promise<JsonRead> {
  let text: string | undefined;
  try {
    text = await readTextIfExists(path);
  } catch (error) {
    return { state: "damaged", reason: `it cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})` };
  }
  return parseJsonText(text);
}

export function readJsonFileSync(path: string): JsonRead {
  try {
    return parseJsonText(readFileSync(path, "utf8"));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === "ENOENT" ? { state: "missing" } : { state: "damaged", reason: `it cannot be read (${code ?? (error as Error).message})` };
  }
}

function parseJsonText(text: string | undefined): JsonRead {
  if (text === undefined) return { state: "missing" };
  if (text.trim() === "") return { state: "damaged", reason: "it is empty" };
  try {
    return { state: "ok", value: JSON.parse(text) as unknown };
  } catch (error) {
    return { state: "damaged", reason: `it is not valid JSON (${(error as Error).message})` };
  }
}

/** A JSON object (not a list or a value), else undefined. */
export function asObject(value: unknown): Record<string, unknown> | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

export const keptBackups = 5;

/**
 * Before podhost replaces a file the user cares about, a dated copy goes to `backups/` beside it
 * (0600, like the original); the newest `keptBackups` of each file stay. Returns the copy's path.
 */
export async function keepBackup(path: string, now: Date): Promise<string | undefined> {
  const folder = join(dirname(path), "backups");
  const name = basename(path);
  const target = join(folder, `${name}.${now.toISOString().replace(/[:.]/g, "-")}`);
  if (!existsSync(path)) return undefined; // nothing to keep yet
  try {
    await mkdir(folder, { recursive: true, mode: 0o700 });
    await copyFile(path, target);
    await chmod(target, 0o600);
  } catch (error) {
    throw writeProblem(target, error, dirname(path));
  }
  const older = (await readdir(folder)).filter((entry) => entry.startsWith(`${name}.`)).sort();
  for (const stale of older.slice(0, Math.max(0, older.length - keptBackups))) await rm(join(folder, stale), { force: true });
  return target;
}

const notWritableCodes = new Set(["EACCES", "EPERM", "EROFS"]);
const fullCodes = new Set(["ENOSPC", "EDQUOT"]);

/** A failed write in plain words: which path, why, and what to do. Anything else passes through. */
export function writeProblem(path: string, error: unknown, folder = dirname(path)): Error {
  const code = realCode(path, (error as NodeJS.ErrnoException).code ?? "");
  if (error instanceof UserError) return error;
  if (notWritableCodes.has(code)) {
    const user = userName();
    return new UserError({
      code: "not-writable",
      message: `podhost cannot write ${path}: ${code === "EROFS" ? "the file system it is on is read-only" : `the user podhost runs as (${user}) may not write there`}. Nothing was changed.`,
      fix: `Make ${folder} writable for ${user} (for example \`chown -R ${user} ${folder}\`), or run podhost with --data-dir set to a folder that user owns.`,
    });
  }
  if (fullCodes.has(code)) {
    return new UserError({ code: "disk-full", message: `podhost cannot write ${path}: the disk is full. Nothing was changed.`, fix: "Free some space on that disk, then try again." });
  }
  return error as Error;
}

/**
 * A recursive mkdir on a read-only file system fails with ENOENT, hiding the cause: ask the
 * nearest folder that exists whether it may be written.
 */
function realCode(path: string, code: string): string {
  if (code !== "ENOENT") return code;
  let folder = dirname(path);
  while (!existsSync(folder) && dirname(folder) !== folder) folder = dirname(folder);
  try {
    accessSync(folder, constants.W_OK);
    return code;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code ?? code;
  }
}

function userName(): string {
  try {
    return userInfo().username;
  } catch {
    return "this user";
  }
}
