import { execFile } from "node:child_process";

export interface Output {
  ok: boolean;
  /** stdout and stderr together, trimmed. */
  text: string;
  /** The program could not be started at all (not on PATH). */
  missing: boolean;
}

/** Run a short command (a version query, git ls-remote) to completion and keep what it printed. */
export function output(command: string, args: string[], options: { cwd?: string; env: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<Output> {
  return new Promise((resolve) => {
    execFile(command, args, { cwd: options.cwd, env: options.env, timeout: options.timeoutMs ?? 20_000, maxBuffer: 4 * 1024 * 1024 }, (error, stdout, stderr) => {
      const text = `${stdout}${stderr}`.trim();
      const code = (error as NodeJS.ErrnoException | null)?.code;
      resolve({ ok: !error, text, missing: code === "ENOENT" || code === "EACCES" });
    });
  });
}
