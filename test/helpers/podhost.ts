import { spawn, execFile, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { recordSettingsSet } from "./settings-ledger";
import { parseConfigValue } from "../../main/cli/config";

export const repoRoot = fileURLToPath(new URL("../..", import.meta.url));
export const cli = fileURLToPath(new URL("../../bin/podhost.js", import.meta.url));

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run the built `podhost` command as a user would. */
export function podhost(dataDir: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, [cli, "--data-dir", dataDir, ...args], { env: { ...process.env, ...env }, timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error ? ((error as { code?: number }).code ?? 1) : 0;
      // What a test sets through the CLI must still be in the settings file when its data dir goes.
      const [command, verb, key, value] = args;
      if (code === 0 && command === "config" && verb === "set" && key !== undefined && value !== undefined && !key.startsWith("dns.password") && !key.startsWith("dns.token")) {
        recordSettingsSet(dataDir, { [key]: parseConfigValue(value) });
      }
      // A value the test read back (after changing it in the UI, say) is what it now expects the file to hold.
      if (code === 0 && command === "config" && verb === "get" && key !== undefined && value === undefined && !key.startsWith("-") && !key.startsWith("dns.")) {
        recordSettingsSet(dataDir, { [key]: parseConfigValue(stdout.trim()) });
      }
      resolve({ code, stdout, stderr });
    });
  });
}

/** Run `podhost` in the background, reading its output as it comes. */
export function spawnPodhost(dataDir: string, args: string[], env: NodeJS.ProcessEnv = {}): { output: () => string; exited: Promise<number | null>; child: ChildProcess } {
  const child = spawn(process.execPath, [cli, "--data-dir", dataDir, ...args], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...env } });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
  return { child, output: () => output, exited: new Promise((resolve) => child.once("exit", (code) => resolve(code))) };
}

export interface ServedPodhost {
  child: ChildProcess;
  uiUrl: string;
  origin: string;
  token: string;
  output: () => string;
  /** SIGTERM, and the exit code once it is gone. */
  stop(): Promise<number | null>;
}

const networkGuard = fileURLToPath(new URL("./network-guard.mjs", import.meta.url));

/**
 * `podhost serve` on a free port; resolves once it printed its UI address. The daemon runs with
 * the network guard: it can resolve only localhost and the names in env.PODHOST_TEST_NAMES.
 * With `user`, it runs as that (unprivileged) user, as PostgreSQL requires.
 */
export function servePodhost(dataDir: string, env: NodeJS.ProcessEnv = {}, user?: { uid: number; gid: number }): Promise<ServedPodhost> {
  const child = spawn(process.execPath, ["--import", networkGuard, cli, "--data-dir", dataDir, "serve", "--ui-port", "0"], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"], ...user });
  let output = "";
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString("utf8");
      const match = /podhost UI: (http:\/\/127\.0\.0\.1:\d+\/)#token=(\S+)/.exec(output);
      if (match) {
        child.stdout.off("data", onData);
        child.stdout.on("data", (more: Buffer) => (output += more.toString("utf8")));
        resolve({
          child,
          uiUrl: `${match[1]}#token=${match[2]}`,
          origin: match[1]!.replace(/\/$/, ""),
          token: match[2]!,
          output: () => output,
          stop: () => {
            child.kill("SIGTERM");
            return exited;
          },
        });
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
    void exited.then((code) => reject(new Error(`podhost serve exited (${code}) before printing its UI address:\n${output}`)));
  });
}
