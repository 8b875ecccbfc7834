import type { Clock } from "../service";

export interface RestartPolicyOptions {
  firstDelayMs: number;
  maxDelayMs: number;
  /** A process that stayed up this long starts over from the first delay. */
  resetAfterMs: number;
  /** `loopCrashes` crashes within `loopWindowMs` is a crash loop: stop restarting. */
  loopCrashes: number;
  loopWindowMs: number;
}

export const defaultRestartPolicy: RestartPolicyOptions = {
  firstDelayMs: 250,
  maxDelayMs: 60_000,
  resetAfterMs: 10 * 60_000,
  loopCrashes: 5,
  loopWindowMs: 5 * 60_000,
};

export type CrashDecision = { giveUp: false; delayMs: number } | { giveUp: true; crashes: number };

/** Exponential backoff with a crash-loop breaker, for one supervised process. */
export class RestartPolicy {
  private crashTimes: number[] = [];
  private attempt = 0;

  constructor(private readonly clock: Clock, private readonly options: RestartPolicyOptions = defaultRestartPolicy) {}

  /** Called when the process died on its own after `uptimeMs`. */
  onCrash(uptimeMs: number): CrashDecision {
    const now = this.clock.now();
    if (uptimeMs >= this.options.resetAfterMs) this.attempt = 0;
    this.crashTimes = [...this.crashTimes.filter((t) => now - t < this.options.loopWindowMs), now];
    if (this.crashTimes.length >= this.options.loopCrashes) return { giveUp: true, crashes: this.crashTimes.length };
    const delayMs = Math.min(this.options.maxDelayMs, this.options.firstDelayMs * 2 ** this.attempt);
    this.attempt++;
    return { giveUp: false, delayMs };
  }

  /** A fresh start by the user forgets earlier crashes. */
  reset(): void {
    this.crashTimes = [];
    this.attempt = 0;
  }
}
