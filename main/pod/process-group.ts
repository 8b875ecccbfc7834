import type { Clock } from "../service";
import { groupMembers, hasProcfs } from "./proc";
import { signalTree } from "../system/process-tree";

/** Windows has no process groups: the leader's pid stands for its tree (taskkill /T walks it). */
const groups = process.platform !== "win32";

/**
 * A process group podhost started (the leader was spawned detached, so pgid = its pid). Signals
 * go to the whole group, so workers and grandchildren share the leader's fate.
 */
export function groupAlive(pgid: number): boolean {
  // Zombies (exited, not yet reaped by whoever inherited them) still count for kill(-pgid, 0); /proc tells them apart.
  if (hasProcfs) return groupMembers(pgid).length > 0;
  try {
    process.kill(groups ? -pgid : pgid, 0);
    return true;
  } catch {
    return false;
  }
}

export function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  if (!groups) return void signalTree(pgid, signal === "SIGKILL" ? "SIGKILL" : "SIGTERM");
  try {
    process.kill(-pgid, signal);
  } catch {
    // Already gone: nothing to signal.
  }
}

/** Resolves true once nothing of the group is left, false when `timeoutMs` passed first. */
export function waitGroupGone(pgid: number, timeoutMs: number, clock: Clock, pollMs = 20): Promise<boolean> {
  const deadline = clock.now() + timeoutMs;
  return new Promise((resolve) => {
    const check = () => {
      if (!groupAlive(pgid)) return resolve(true);
      if (clock.now() >= deadline) return resolve(false);
      clock.setTimeout(check, pollMs);
    };
    check();
  });
}

/**
 * SIGTERM to the group, SIGKILL to whatever is left after `timeoutMs`. Resolves when the group is
 * gone, with whether it had to be killed.
 */
export async function terminateGroup(pgid: number, timeoutMs: number, clock: Clock): Promise<{ killed: boolean }> {
  if (!groupAlive(pgid)) return { killed: false };
  // The clock's timers do not keep Node running; a stop in progress must, or the group could outlive us.
  const keepAlive = setInterval(() => {}, 60_000);
  try {
    signalGroup(pgid, "SIGTERM");
    if (await waitGroupGone(pgid, timeoutMs, clock)) return { killed: false };
    signalGroup(pgid, "SIGKILL");
    await waitGroupGone(pgid, 5_000, clock);
    return { killed: true };
  } finally {
    clearInterval(keepAlive);
  }
}
