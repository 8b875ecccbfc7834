import { execFile } from "node:child_process";
import { promisify } from "node:util";

const run = promisify(execFile);

/**
 * A small tmpfs mounted by the test (root only, as CI runs): a full disk or a read-only file
 * system for real, not a mock. Unmount in teardown with the returned function.
 */
export async function mountTmpfs(at: string, size: string): Promise<{ remount(options: string): Promise<void>; unmount(): Promise<void> }> {
  await run("mount", ["-t", "tmpfs", "-o", `size=${size},mode=0700`, "tmpfs", at]);
  return {
    remount: async (options) => {
      await run("mount", ["-o", `remount,${options}`, at]);
    },
    unmount: async () => {
      await run("umount", ["-l", at]);
    },
  };
}

/**
 * Run `command` under strace, SIGKILLed on entering the first of `syscalls` (that touches
 * `onlyPath`, when given): a crash at a precise point, before that call does anything.
 */
export async function killedAt(syscalls: string[], command: string[], onlyPath?: string): Promise<{ signal: string | undefined }> {
  const set = syscalls.join(",");
  try {
    await run("strace", ["-f", "-qq", "-o", "/dev/null", ...(onlyPath ? ["-P", onlyPath] : []), "-e", `trace=${set}`, "-e", `inject=${set}:signal=SIGKILL`, ...command]);
    return { signal: undefined };
  } catch (error) {
    const { code, signal } = error as { code?: number; signal?: string };
    return { signal: signal ?? (code === 137 ? "SIGKILL" : undefined) };
  }
}
