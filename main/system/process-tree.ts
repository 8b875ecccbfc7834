import { execFile } from "node:child_process";

/**
 * How to signal a process and everything it started: on POSIX the process group (the leader was
 * spawned detached, so its pid is the group's id); on Windows, which has neither groups nor
 * signals for this, `taskkill /T` walks the tree (with /F for a kill, without for a polite close).
 */
export type TreeSignal = { kind: "group"; pgid: number; signal: NodeJS.Signals } | { kind: "taskkill"; args: string[] };

export function treeSignal(pid: number, signal: "SIGTERM" | "SIGKILL", platform: NodeJS.Platform = process.platform): TreeSignal {
  if (platform === "win32") return { kind: "taskkill", args: ["/PID", String(pid), "/T", ...(signal === "SIGKILL" ? ["/F"] : [])] };
  return { kind: "group", pgid: pid, signal };
}

/** Signals the tree; resolves once the signal was sent (or there was nothing left to signal). */
export function signalTree(pid: number, signal: "SIGTERM" | "SIGKILL", platform: NodeJS.Platform = process.platform): Promise<void> {
  const how = treeSignal(pid, signal, platform);
  if (how.kind === "taskkill") return new Promise((resolve) => execFile("taskkill", how.args, { windowsHide: true }, () => resolve()));
  try {
    process.kill(-how.pgid, how.signal);
  } catch {
    // Gone already, or not a group leader: signal the process alone.
    try {
      process.kill(pid, signal);
    } catch {
      // Nothing left.
    }
  }
  return Promise.resolve();
}
