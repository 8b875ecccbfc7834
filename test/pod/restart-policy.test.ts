import { describe, expect, it } from "vitest";
import { RestartPolicy } from "../../main/pod/restart-policy";
import type { Clock } from "../../main/service";

function fakeClock(start = 1_000_000): Clock & { advance(ms: number): void } {
  let now = start;
  return { now: () => now, setTimeout: () => ({ cancel() {} }), advance: (ms) => void (now += ms) };
}

const delays = (policy: RestartPolicy, clock: ReturnType<typeof fakeClock>, count: number, uptimeMs = 100) =>
  Array.from({ length: count }, () => {
    clock.advance(120_000);
    const decision = policy.onCrash(uptimeMs);
    return decision.giveUp ? "give up" : decision.delayMs;
  });

describe("restart policy", () => {
  it("restarts the first crash within 1 s and doubles the delay up to 60 s", () => {
    const clock = fakeClock();
    // Crashes 2 minutes apart never make a loop, so the backoff shows alone.
    expect(delays(new RestartPolicy(clock), clock, 12)).toEqual([250, 500, 1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000, 60000, 60000]);
  });

  it("starts over from the first delay after 10 minutes of healthy running", () => {
    const clock = fakeClock();
    const policy = new RestartPolicy(clock);
    delays(policy, clock, 4);
    clock.advance(600_000);
    expect(policy.onCrash(600_000)).toEqual({ giveUp: false, delayMs: 250 });
  });

  it("gives up on the 5th crash within 5 minutes", () => {
    const clock = fakeClock();
    const policy = new RestartPolicy(clock);
    const decisions = Array.from({ length: 5 }, () => {
      clock.advance(50_000);
      return policy.onCrash(1_000).giveUp;
    });
    expect(decisions).toEqual([false, false, false, false, true]);
  });

  it("does not count crashes older than 5 minutes toward a loop", () => {
    const clock = fakeClock();
    const policy = new RestartPolicy(clock);
    const decisions = Array.from({ length: 8 }, () => {
      clock.advance(76_000); // 4 crashes span 228 s; the 5th falls outside the window of the 1st
      return policy.onCrash(1_000).giveUp;
    });
    expect(decisions.every((giveUp) => !giveUp)).toBe(true);
  });

  it("forgets everything when the user starts the pod again", () => {
    const clock = fakeClock();
    const policy = new RestartPolicy(clock);
    for (let i = 0; i < 4; i++) policy.onCrash(10);
    policy.reset();
    expect(policy.onCrash(10)).toEqual({ giveUp: false, delayMs: 250 });
  });
});
