/**
 * podhost's request-head parser against Node's llhttp in strict mode, on the corpus and 20,000
 * seeded mutations of it: every head podhost accepts must be one llhttp accepts (and read the
 * same way), and every head llhttp rejects must be one podhost refuses. Where podhost refuses a
 * head llhttp accepts, a rule of `deliberate.ts` must say why, with the status podhost answered.
 */
import { describe, expect, it } from "vitest";
import { defaultLimits } from "../../../main/proxy/config";
import { ChunkedReader, HeadError, parseRequestHead, type RequestHead } from "../../../main/proxy/http1";
import { absoluteForm, safeTarget } from "../../../main/proxy/routing";
import type { Case } from "./case";
import { escapeBytes } from "./client";
import { corpus } from "./corpus";
import { deliberateRule, deliberateRules } from "./deliberate";
import { createLlhttp, type Verdict } from "./llhttp";
import { mutate } from "./mutator";

export const parserSeed = 13;
const mutations = 20_000;

type PodhostVerdict = { kind: "accepted"; head: RequestHead; body: string } | { kind: "refused"; status: number; why: string } | { kind: "incomplete" };

/** A chunked body as podhost's connection reads it: "complete", "incomplete" or "rejected: why". */
function chunkedBody(rest: Buffer): string {
  const reader = new ChunkedReader();
  try {
    reader.feed(rest, 0, rest.length, () => undefined);
  } catch (error) {
    return `rejected: ${(error as Error).message}`;
  }
  return reader.done ? "complete" : "incomplete";
}

/**
 * What a podhost connection does with these bytes before anything is forwarded: find the head's
 * end and check its size (connection.ts), parse it (http1.ts), check the target (routing.ts),
 * and read a chunked body.
 */
function podhostReads(bytes: string): PodhostVerdict {
  const limit = defaultLimits.headerBytes;
  const end = bytes.indexOf("\r\n\r\n");
  if (end < 0) return bytes.length > limit ? { kind: "refused", status: 431, why: "no head end within the limit" } : { kind: "incomplete" };
  if (end > limit) return { kind: "refused", status: 431, why: "a head over the limit" };
  try {
    const head = parseRequestHead(bytes.slice(0, end));
    // As the engine reads a target: an absolute-form one by its path (its authority is checked against the sites).
    const absolute = head.target.startsWith("/") ? undefined : absoluteForm(head.target);
    if (safeTarget(absolute ? absolute.path : head.target) === undefined) return { kind: "refused", status: 400, why: "a target that is not a safe path" };
    const body = head.chunked ? chunkedBody(Buffer.from(bytes.slice(end + 4), "latin1")) : "complete";
    return { kind: "accepted", head, body };
  } catch (error) {
    if (!(error instanceof HeadError)) throw error;
    return { kind: "refused", status: error.status, why: error.message };
  }
}

interface Mismatch {
  c: Case;
  what: string;
}

function sameReading(head: RequestHead, llhttp: Extract<Verdict, { kind: "accepted" }>): string | undefined {
  if (head.method !== llhttp.method) return `method: podhost ${escapeBytes(head.method)}, llhttp ${escapeBytes(llhttp.method)}`;
  if (head.target !== llhttp.target) return `target: podhost ${escapeBytes(head.target)}, llhttp ${escapeBytes(llhttp.target)}`;
  const ours = head.names.map((name, i) => `${name}: ${head.values[i]}`);
  const theirs = llhttp.headers.map(([name, value]) => `${name}: ${value}`);
  if (ours.join("\n") !== theirs.join("\n")) return `headers: podhost ${escapeBytes(ours.join("; ").slice(0, 200))}, llhttp ${escapeBytes(theirs.join("; ").slice(0, 200))}`;
  return undefined;
}

describe("podhost's request parser against llhttp in strict mode", () => {
  it(`accepts no head llhttp rejects, and refuses only what it lists, on the corpus and ${mutations} mutations (seed ${parserSeed})`, async () => {
    const llhttp = createLlhttp();
    const cases = [...corpus, ...mutate(corpus, parserSeed, mutations)];
    const mismatches: Mismatch[] = [];
    const listed = new Map<string, number>();
    let judged = 0;
    for (const c of cases) {
      const podhost = podhostReads(c.bytes);
      const theirs = await llhttp.judge(c.bytes);
      if (podhost.kind === "incomplete" || theirs.kind === "incomplete") continue;
      judged++;
      if (podhost.kind === "accepted" && theirs.kind === "rejected") mismatches.push({ c, what: `podhost accepts a head llhttp rejects (${theirs.why})` });
      else if (podhost.kind === "accepted" && theirs.kind === "accepted") {
        const differs = sameReading(podhost.head, theirs);
        if (differs) mismatches.push({ c, what: `both accept it but read it differently: ${differs}` });
        else if (podhost.body === "complete" && theirs.body.startsWith("rejected")) mismatches.push({ c, what: `podhost accepts a message llhttp rejects (${theirs.body.slice(10)})` });
      } else if (podhost.kind === "refused" && theirs.kind === "accepted") {
        const reason = deliberateRule(c.bytes, podhost.status);
        if (reason) listed.set(reason.why, (listed.get(reason.why) ?? 0) + 1);
        else mismatches.push({ c, what: `podhost refuses (${podhost.status}, ${podhost.why}) a head llhttp accepts, and no listed rule says why` });
      }
    }
    const byWhat = new Map<string, Mismatch[]>();
    for (const m of mismatches) {
      const key = m.what.replace(/: .*/, "").replace(/\((\d+, )?([^)]*)\)/, "($2)");
      byWhat.set(key, [...(byWhat.get(key) ?? []), m]);
    }
    const report = [...byWhat].map(([what, list]) => `${what}: ${list.length} heads, e.g.\n${list.slice(0, 4).map((m) => `  ${m.c.id} (${m.c.probe}): ${m.what}\n    ${escapeBytes(m.c.bytes.slice(0, 300))}`).join("\n")}`);
    expect(judged).toBeGreaterThan(10_000);
    expect(mismatches.length, `${mismatches.length} of ${judged} heads differ:\n${report.join("\n")}`).toBe(0);
    // The rules this run needs are exactly those that say so: one that no longer applies is dead text.
    expect([...listed.keys()].sort()).toEqual(deliberateRules.filter((d) => d.seenIn.includes("parser")).map((d) => d.why).sort());
  }, 120_000);
});
