/**
 * podhost's proxy against nginx (diaspora*'s reference setup) on the same bytes: the hand-written
 * corpus of every class of issue 13, then seeded mutations of it. A case fails when podhost's
 * backend sees something nginx's doesn't (more requests, other framing or body, a client's
 * forwarding header, a request nginx refused, a visitor's request harmed); the failure message
 * lists each with the exact bytes to replay. `npm run fuzz:proxy -- --seed N --count M` runs more.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { corpus } from "./corpus";
import { deliberateRules } from "./deliberate";
import { createLlhttp } from "./llhttp";
import { mutate } from "./mutator";
import { startNginx, startPodhost, withRecorders, type Subject } from "./peers";
import { report, runDifferential, type RunResult } from "./run";

/**
 * CI's share of the mutations, the 20,000: about 55 s, and the whole differential folder
 * about 70 s, on a 2-core machine shared with other test runs (load 6-8). The fuzz command runs any number.
 */
export const ciSeed = 1313;
const ciMutations = 20_000;
const lanes = 12;

describe("podhost's proxy against nginx on the same bytes", () => {
  const llhttp = createLlhttp();
  let podhost: Subject;
  let nginx: Subject;
  /** Why podhost refused what nginx forwarded, over both runs. */
  const stricter = new Map<string, number>();
  const tally = (result: RunResult) => {
    for (const [why, n] of result.stricter) stricter.set(why, (stricter.get(why) ?? 0) + n);
  };
  beforeAll(async () => {
    [podhost, nginx] = await Promise.all([withRecorders("podhost", lanes, startPodhost), withRecorders("nginx", lanes, startNginx)]);
  });
  afterAll(async () => {
    await podhost?.close();
    await nginx?.close();
  });

  it(`lets no case of the hand-written corpus (${corpus.length} cases) reach the app differently from nginx`, async () => {
    const result = await runDifferential(corpus, podhost, nginx, llhttp);
    tally(result);
    expect(result.ran).toBe(corpus.length);
    expect(result.failures.length, report(result)).toBe(0);
  }, 180_000);

  it(`lets no case of ${ciMutations} seeded mutations (seed ${ciSeed}) reach the app differently from nginx`, async () => {
    const cases = mutate(corpus, ciSeed, ciMutations);
    const result = await runDifferential(cases, podhost, nginx, llhttp);
    tally(result);
    expect(result.failures.length, report(result)).toBe(0);
    expect(result.ran).toBe(ciMutations);
  }, 240_000);

  it("still needs every rule of deliberate.ts that says nginx's run needs it (one that never applies is dead text)", () => {
    const needed = deliberateRules.filter((rule) => rule.seenIn.includes("proxy")).map((rule) => rule.why);
    expect([...stricter.keys()].filter((why) => why !== "llhttp (strict) rejects it too").sort()).toEqual(needed.sort());
  });
});
