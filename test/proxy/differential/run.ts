/**
 * Runs cases through podhost (or any proxy under test) and nginx side by side, lane by lane, and
 * reports every case where podhost's backend or client saw what nginx's didn't. A case that
 * differs is run once more with long waits before it counts: what is left is not timing.
 */
import { ChunkedReader, parseRequestHead } from "../../../main/proxy/http1";
import type { Case } from "./case";
import { escapeBytes, type Timing } from "./client";
import { compare, observe, type Difference, type Observation } from "./compare";
import { deliberateRule } from "./deliberate";
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
  /** Cases podhost refused though nginx forwarded them, by the reason that allows it (a rule's `why`, or llhttp's). */
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

/**
 * Why podhost may refuse what nginx forwarded, or undefined when it may not: llhttp in strict mode
 * rejects one of the requests too, or a rule of `deliberate.ts` covers one of them with the status
 * podhost answered. `statuses`: what podhost answered.
 */
export async function deliberateStrictness(c: Case, llhttp: Llhttp, statuses: number[]): Promise<string | undefined> {
  // Each pipelined message in turn (and those sent after the first answer): podhost refusing the third one is deliberate if llhttp refuses that one too.
  const messages = [c.bytes, c.after ?? ""].filter((bytes) => bytes !== "").flatMap((bytes) => messageStarts(bytes).map((at) => bytes.slice(at)));
  for (const message of messages) {
    const verdict = await llhttp.judge(message);
    if (verdict.kind === "rejected" || (verdict.kind === "accepted" && verdict.body.startsWith("rejected"))) return "llhttp (strict) rejects it too";
  }
  for (const message of messages) {
    for (const status of new Set(statuses)) {
      const rule = deliberateRule(message, status);
      if (rule) return rule.why;
    }
  }
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
    const deliberate = p.requests.length < n.requests.length ? await deliberateStrictness(c, llhttp, p.client.answers.map((a) => a.status)) : undefined;
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
