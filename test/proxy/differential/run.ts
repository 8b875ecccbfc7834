/**
 * Runs cases through podhost (or any proxy under test) and nginx side by side, lane by lane, and
 * reports every case where podhost's backend or client saw what nginx's didn't. A case that
 * differs is run once more with long waits before it counts: what is left is not timing.
 */
import { ChunkedReader, parseRequestHead } from "../../../main/proxy/http1";
import type { Case } from "./case";
import { escapeBytes, type Timing } from "./client";
import { compare, observe, type Difference, type Observation } from "./compare";
import type { Llhttp } from "./llhttp";
import { site, type Subject } from "./peers";

export interface Failure {
  case: Case;
  differences: Difference[];
  podhost: Observation;
  nginx: Observation;
}

export interface RunResult {
  ran: number;
  failures: Failure[];
  /** Cases podhost refused though nginx forwarded them, by the reason that allows it. */
  stricter: Map<string, number>;
}

/** Short waits for the bulk run; a difference is confirmed with waits many times longer. */
export const quickTiming: Timing = { settleMs: 25, stallMs: 250 };
const confirmTiming: Timing = { settleMs: 400, stallMs: 2500 };

/** Where each pipelined request starts, as far as the heads and bodies before it can be read. */
function messageStarts(bytes: string): number[] {
  const starts = [0];
  let at = 0;
  for (;;) {
    const end = bytes.indexOf("\r\n\r\n", at);
    if (end < 0) return starts;
    let head;
    try {
      head = parseRequestHead(bytes.slice(at, end));
    } catch {
      return starts;
    }
    let next = end + 4;
    if (head.chunked) {
      const reader = new ChunkedReader();
      const rest = Buffer.from(bytes.slice(next), "latin1");
      try {
        next += reader.feed(rest, 0, rest.length, () => undefined);
      } catch {
        return starts;
      }
      if (!reader.done) return starts;
    } else next += head.contentLength ?? 0;
    if (next >= bytes.length) return starts;
    starts.push(next);
    at = next;
  }
}

/** The client header count podhost's fix caps at (nginx has no such cap; its limit is bytes). */
const maxClientHeaders = 100;

/**
 * Why podhost may refuse what nginx forwards, or undefined when it may not: the case says so, or
 * llhttp in strict mode rejects the head too, or the target breaks podhost's path rule (dot
 * segments and NUL, plain or encoded, are refused rather than resolved).
 */
export async function deliberateStrictness(c: Case, llhttp: Llhttp): Promise<string | undefined> {
  if (c.stricter) return c.stricter;
  const head = c.bytes.slice(0, c.bytes.indexOf("\r\n\r\n") >>> 0);
  if (head.split("\r\n").length - 1 > maxClientHeaders) return `more than ${maxClientHeaders} header fields: issue 13 class 4 caps a client's header count so its own headers can't be pushed out`;
  // Each pipelined message in turn: podhost refusing the third one is deliberate if llhttp refuses that one too.
  for (const at of messageStarts(c.bytes)) {
    const verdict = await llhttp.judge(c.bytes.slice(at));
    if (verdict.kind === "rejected" || (verdict.kind === "accepted" && verdict.body.startsWith("rejected"))) return "llhttp (strict) rejects it too";
  }
  if (/^[^\r\n]*( {2}|\t)[^\r\n]*\r\n/m.test(c.bytes)) return "more than one space between the parts of a request line (RFC 9112 3 has exactly one)";
  if (/^expect:(?![ \t]*100-continue[ \t]*\r?$)/im.test(c.bytes)) return "an Expect other than 100-continue is answered 417 (RFC 9110 10.1.1)";
  if (/^host:[ \t]*[^\r\n[\]]*:[^\r\n[\]]*:/im.test(c.bytes)) return "a Host with two ports is a malformed Host (issue 13 class 5)";
  if (/^host:[ \t]*[^\r\n]*:(\d{6,}|[7-9]\d{4}|6[6-9]\d{3}|65[6-9]\d\d|655[4-9]\d|6553[6-9]|0+)[ \t]*\r?$/im.test(c.bytes)) return "a Host port outside 1-65535 is a malformed Host (issue 13 class 5)";
  const targets = [...`${c.bytes}${c.after ?? ""}`.matchAll(/^[A-Za-z]+ (\S+) HTTP\//gm)].map((m) => m[1]!);
  if (targets.some((t) => /(^|[/\\]|%2f|%5c)(\.|%2e){1,2}([/\\]|%2f|%5c|$)|%00/i.test(t.split("?")[0]!))) return "dot segments or NUL in the path are refused, not resolved";
  return undefined;
}

/**
 * Run `cases` on both; stop early once `maxFailures` cases failed (the verdict is in by then, and
 * each failure costs a slow confirming run).
 */
export async function runDifferential(cases: Case[], podhost: Subject, nginx: Subject, llhttp: Llhttp, maxFailures = 200): Promise<RunResult> {
  const result: RunResult = { ran: 0, failures: [], stricter: new Map() };
  const lanes = Math.min(podhost.lanes.length, nginx.lanes.length);
  let next = 0;
  let visitors = 0;
  const once = async (lane: number, c: Case, timing: Timing) => {
    const token = `${lane}-${++visitors}`;
    const [p, n] = await Promise.all([observe(podhost.name, podhost.lanes[lane]!, c, `p${token}`, timing, site.name), observe(nginx.name, nginx.lanes[lane]!, c, `n${token}`, timing, site.name)]);
    const deliberate = p.requests.length < n.requests.length ? await deliberateStrictness(c, llhttp) : undefined;
    return { p, n, deliberate, differences: compare(c, p, n, deliberate) };
  };
  const worker = async (lane: number) => {
    while (next < cases.length && result.failures.length < maxFailures) {
      const c = cases[next++]!;
      let outcome = await once(lane, c, quickTiming);
      if (outcome.differences.length) outcome = await once(lane, c, confirmTiming);
      result.ran++;
      if (outcome.differences.length) result.failures.push({ case: c, differences: outcome.differences, podhost: outcome.p, nginx: outcome.n });
      else if (outcome.deliberate) result.stricter.set(outcome.deliberate, (result.stricter.get(outcome.deliberate) ?? 0) + 1);
    }
  };
  await Promise.all(Array.from({ length: lanes }, (_, lane) => worker(lane)));
  return result;
}

/** How to send a case again by hand: its bytes, escaped. */
export function replay(c: Case): string {
  // A body of many kilobytes is shown cut: the case id regenerates it whole.
  const bytes = c.bytes.length > 2000 ? `${escapeBytes(c.bytes.slice(0, 1000))} ... (${c.bytes.length} bytes in all)` : escapeBytes(c.bytes);
  const parts = [`  bytes: ${bytes}`];
  if (c.after !== undefined) parts.push(`  then, after the first answer: ${escapeBytes(c.after)}`);
  if (c.servername) parts.push(`  over TLS, server name ${c.servername}`);
  if (c.script) parts.push(`  the app answering as "${c.script}"`);
  if (c.halfClose) parts.push("  the client half-closes after writing");
  return parts.join("\n");
}

function seen(o: Observation): string {
  const requests = o.requests.map((r) => `${r.method} ${r.target} [conn ${r.connection}] body ${r.body.length} B`).join(" / ") || "no request";
  return `${o.subject}: app got ${requests}; client got ${o.client.answers.map((a) => a.status).join(",") || "no answer"} (${o.client.endedBy} ended it)`;
}

/** Failures grouped by what went wrong: counts, and the first `examples` of each with bytes to replay. */
export function report(result: RunResult, examples = 3, stoppedAt = 200): string {
  const byKind = new Map<string, Failure[]>();
  for (const failure of result.failures) for (const kind of new Set(failure.differences.map((d) => d.kind))) byKind.set(kind, [...(byKind.get(kind) ?? []), failure]);
  const lines = [`${result.failures.length} of ${result.ran} cases differ from nginx in ways that matter${result.failures.length >= stoppedAt ? " (the run stopped there)" : ""}.`];
  for (const [kind, failures] of [...byKind].sort((a, b) => b[1].length - a[1].length)) {
    lines.push("", `## ${kind}: ${failures.length} cases`);
    for (const failure of failures.slice(0, examples)) {
      lines.push(`- ${failure.case.id} (${failure.case.probe})`, replay(failure.case));
      for (const d of failure.differences.filter((d) => d.kind === kind)) lines.push(`  ${d.detail}`);
      lines.push(`  ${seen(failure.podhost)}`, `  ${seen(failure.nginx)}`);
    }
  }
  return lines.join("\n");
}
