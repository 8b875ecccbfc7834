import { spawn } from "node:child_process";
import { createWriteStream } from "node:fs";
import { finished } from "node:stream/promises";

export interface ChildResult {
  code: number | null;
  /** Without `stdoutFile`: what it printed (the first 64 KiB). */
  stdout: string;
  stderr: string;
}

/**
 * A helper program of a backup job (pg_dump, pg_restore, psql, a custom dump command): its
 * output optionally to a file, its last stderr kept for the error, ended with SIGTERM when the
 * job is cancelled.
 */
export async function runChild(command: string, args: string[], options: { env: NodeJS.ProcessEnv; cwd?: string; stdoutFile?: string; signal?: AbortSignal }): Promise<ChildResult> {
  const out = options.stdoutFile ? createWriteStream(options.stdoutFile, { mode: 0o600 }) : undefined;
  const child = spawn(command, args, { env: options.env, ...(options.cwd ? { cwd: options.cwd } : {}), stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  if (out) child.stdout.pipe(out);
  else child.stdout.on("data", (chunk: Buffer) => (stdout = (stdout + chunk.toString("utf8")).slice(0, 65_536)));
  let stderr = "";
  child.stderr!.on("data", (chunk: Buffer) => (stderr = (stderr + chunk.toString("utf8")).slice(-8_000)));
  const abort = () => child.kill("SIGTERM");
  options.signal?.addEventListener("abort", abort, { once: true });
  try {
    const code = await new Promise<number | null>((resolve, reject) => {
      child.once("error", reject);
      child.once("close", (exitCode) => resolve(exitCode));
    });
    if (out) await finished(out);
    return { code, stdout, stderr: stderr.trim() };
  } finally {
    options.signal?.removeEventListener("abort", abort);
  }
}
