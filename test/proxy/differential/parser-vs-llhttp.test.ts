/**
 * podhost's request-head parser against Node's llhttp in strict mode, on the corpus and 20,000
 * seeded mutations of it: every head podhost accepts must be one llhttp accepts (and read the
 * same way), and every head llhttp rejects must be one podhost refuses. Where podhost refuses a
 * head llhttp accepts, the difference must be listed below with the reason it is deliberate.
 */
import { describe, expect, it } from "vitest";
import { defaultLimits } from "../../../main/proxy/config";
import { ChunkedReader, HeadError, parseRequestHead, type RequestHead } from "../../../main/proxy/http1";
import { safeTarget } from "../../../main/proxy/routing";
import type { Case } from "./case";
import { escapeBytes } from "./client";
import { corpus } from "./corpus";
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
    if (safeTarget(head.target) === undefined) return { kind: "refused", status: 400, why: "a target that is not a safe origin-form path" };
    const body = head.chunked ? chunkedBody(Buffer.from(bytes.slice(end + 4), "latin1")) : "complete";
    return { kind: "accepted", head, body };
  } catch (error) {
    if (!(error instanceof HeadError)) throw error;
    return { kind: "refused", status: error.status, why: error.message };
  }
}

/**
 * Heads podhost refuses on purpose though llhttp (strict) accepts them, and why. Each is a rule
 * of podhost's own; anything else podhost refuses and llhttp accepts fails the test.
 */
const deliberate: { why: string; applies: (bytes: string, podhost: Extract<PodhostVerdict, { kind: "refused" }>) => boolean }[] = [
  {
    why: "a transfer coding other than a lone chunked: podhost decodes no other coding, so it can't find the body's end (RFC 9112 6.1 lets a server refuse; nginx 1.22 answers 501)",
    applies: (_bytes, p) => p.why === "a transfer coding other than chunked",
  },
  {
    why: "Transfer-Encoding in an HTTP/1.0 request: a 1.0 peer may not know chunked, so the framing is ambiguous (RFC 9112 6.1 says treat it as faulty)",
    applies: (_bytes, p) => p.why === "Transfer-Encoding in an HTTP/1.0 request",
  },
  {
    why: "an HTTP major version other than 1 is answered 505 (RFC 9110 15.6.6); llhttp reads HTTP/2.0 heads as it reads 1.1",
    applies: (_bytes, p) => p.status === 505,
  },
  {
    why: "a request line without an HTTP version (HTTP/0.9) is not HTTP/1 at all; llhttp reads it as a request",
    applies: (bytes) => /^[^\r\n]* \S+\r\n/.test(bytes) && !/^[^\r\n]* HTTP\/[^\r\n]*\r\n/.test(bytes),
  },
  {
    why: "more than one space between the parts of the request line: RFC 9112 3 has exactly one SP, and a proxy that splits on runs of spaces reads another target than one that doesn't",
    applies: (bytes) => /^[^\r\n]*( {2}|\t)[^\r\n]*\r\n/.test(bytes),
  },
  {
    why: "a target that is not a path (absolute-form, authority-form, asterisk-form) or has dot segments or NUL, plain or encoded: podhost's routing.ts refuses rather than resolves them (absolute-form is issue 13 class 7, see FINDINGS.md)",
    applies: (_bytes, p) => p.why === "a target that is not a safe origin-form path",
  },
  {
    why: "more than 100 header fields: issue 13 class 4 caps a client's header count so podhost's own headers can't be pushed out of a backend's first N",
    applies: (_bytes, p) => p.why.includes("header lines"),
  },
  {
    why: "the head fills podhost's 16 KiB limit (headerBytes) before llhttp's: they count the final CRLFs differently",
    applies: (bytes, p) => p.status === 431 && bytes.indexOf("\r\n\r\n") > defaultLimits.headerBytes - 1024,
  },
];

/**
 * Heads (and bodies) podhost accepts though llhttp rejects them, and why that is safe: llhttp's
 * strict mode refuses some things RFC 9110 allows, and podhost re-frames what it forwards.
 */
const llhttpStricter: { why: string; applies: (bytes: string, llhttpWhy: string) => boolean }[] = [
  {
    why: "whitespace (OWS) after a Content-Length or Transfer-Encoding value: RFC 9110 5.5 strips it, nginx accepts it, and podhost forwards its own framing, not the client's bytes",
    applies: (bytes, why) => /HPE_INVALID_(CONTENT_LENGTH|TRANSFER_ENCODING): (Invalid character in Content-Length|Request has invalid `Transfer-Encoding`)/.test(why) && /^(content-length|transfer-encoding):[^\r\n]*[ \t]\r\n/im.test(bytes),
  },
];

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
      const safe = (why: string) => llhttpStricter.find((d) => d.applies(c.bytes, why));
      const note = (why: string, what: string) => {
        const reason = safe(why);
        if (reason) listed.set(reason.why, (listed.get(reason.why) ?? 0) + 1);
        else mismatches.push({ c, what });
      };
      if (podhost.kind === "accepted" && theirs.kind === "rejected") note(theirs.why, `podhost accepts a head llhttp rejects (${theirs.why})`);
      else if (podhost.kind === "accepted" && theirs.kind === "accepted") {
        const differs = sameReading(podhost.head, theirs);
        if (differs) mismatches.push({ c, what: `both accept it but read it differently: ${differs}` });
        else if (podhost.body === "complete" && theirs.body.startsWith("rejected")) note(theirs.body, `podhost accepts a message llhttp rejects (${theirs.body.slice(10)})`);
      } else if (podhost.kind === "refused" && theirs.kind === "accepted") {
        const reason = deliberate.find((d) => d.applies(c.bytes, podhost));
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
    // Every listed difference still happens: a rule that no longer applies is dead text.
    expect([...listed.keys()].sort()).toEqual([...deliberate, ...llhttpStricter].map((d) => d.why).sort());
  }, 120_000);
});
