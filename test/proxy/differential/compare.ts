/**
 * One case through one proxy (what its backend and its client saw, and what an innocent visitor
 * got right after), and the comparison of podhost's observation against nginx's.
 */
import type { Case } from "./case";
import { escapeBytes, exchange, type Answer, type ClientResult, type Timing } from "./client";
import { site, type Lane } from "./peers";
import { isForwardingHeader, type ProtocolError, type RecordedRequest } from "./recorder";

export interface Observation {
  subject: string;
  /** What the backend got from this case (the visitor's request left out). */
  requests: RecordedRequest[];
  errors: ProtocolError[];
  /** Bytes the backend got inside 101 tunnels. */
  tunnelled: string;
  client: ClientResult;
  visitor: { answer: Answer | undefined; requests: RecordedRequest[] };
}

export interface Difference {
  /** What went wrong, the same words for every case it happens in (failures are grouped by it). */
  kind: string;
  detail: string;
}

const visitorBody = "visitor-doc";
function visitorRequest(token: string, host: string): string {
  return `POST /visitor/${token} HTTP/1.1\r\nHost: ${host}\r\nCookie: visitor=${token}\r\nContent-Length: ${visitorBody.length}\r\nConnection: close\r\n\r\n${visitorBody}`;
}

/** Run `c` on `lane`, then send a visitor on a new connection; `token` names the visitor. */
export async function observe(subject: string, lane: Lane, c: Case, token: string, timing: Timing, host: string): Promise<Observation> {
  const recorder = lane.recorder;
  const firstRequest = recorder.requests.length;
  const firstError = recorder.errors.length;
  recorder.script = c.script ?? "echo";
  recorder.tunnelled = new Map();
  const activity = () => recorder.received;
  const to = c.servername ? { port: lane.httpsPort, servername: c.servername } : { port: lane.httpPort };
  const client = await exchange(to, Buffer.from(c.bytes, "latin1"), {
    expected: c.sent,
    ...(c.after !== undefined ? { after: Buffer.from(c.after, "latin1") } : {}),
    halfClose: c.halfClose === true,
    timing,
    activity,
  });
  const tunnelled = [...recorder.tunnelled.values()].join("");
  recorder.script = "echo";
  const visit = await exchange({ port: lane.httpPort }, Buffer.from(visitorRequest(token, host), "latin1"), { expected: 1, timing, activity });
  const all = recorder.requests.slice(firstRequest);
  const isVisitor = (r: RecordedRequest) => r.target.includes(`/visitor/${token}`);
  return {
    subject,
    requests: all.filter((r) => !isVisitor(r)),
    errors: recorder.errors.slice(firstError),
    tunnelled,
    client,
    visitor: { answer: visit.answers.at(-1), requests: all.filter(isVisitor) },
  };
}

/** Headers that frame or route a message, or are per connection: each proxy writes its own. */
const perHop = new Set(["host", "content-length", "transfer-encoding", "connection", "keep-alive", "upgrade", "te", "trailer", "expect", "proxy-connection"]);
/** The forwarding headers podhost (and the nginx reference) write. */
const ownForwarding = ["x-forwarded-for", "x-real-ip", "x-forwarded-proto", "x-forwarded-host", "x-forwarded-port", "forwarded", "x-forwarded-prefix"];

function lower(request: RecordedRequest): [string, string][] {
  return request.headers.map(([n, v]) => [n.toLowerCase(), v]);
}

/** A target as the app resolves it: percent-decoding and repeated slashes don't make two targets differ. */
function normalTarget(target: string): string {
  let decoded = target;
  try {
    decoded = decodeURIComponent(target);
  } catch {
    // Not valid percent-encoding: compared as sent.
  }
  return decoded.replace(/\/{2,}/g, "/");
}

function line(r: RecordedRequest): string {
  return `${r.method} ${r.target} (body ${r.body.length} B, ${r.framing})`;
}

/**
 * What a request forwarded by podhost carries that nginx's copy of it doesn't. `authorities` are
 * the hosts of absolute-form targets in the case: RFC 9112 3.2.2 has the target's host win over
 * the Host header, as podhost does, while the reference nginx forwards the header ($http_host).
 * `defaultPort` is the scheme's (the port a target without one names).
 */
function compareRequest(i: number, p: RecordedRequest, n: RecordedRequest, authorities: string[], defaultPort: string, out: Difference[]): void {
  // nginx decodes %2F before it matches a location, so "/blog%2fx" takes the /blog route there; podhost
  // keeps an encoded slash inside its segment and sends the target whole to the root route.
  const encodedSlashRoute = /%2f/i.test(p.target) && normalTarget(p.target) === normalTarget(`${site.prefix}${n.target}`);
  if (p.method !== n.method || (normalTarget(p.target) !== normalTarget(n.target) && !encodedSlashRoute)) out.push({ kind: "forwarded a different request line", detail: `#${i + 1}: podhost ${line(p)}, nginx ${line(n)}` });
  if (p.bodySha256 !== n.bodySha256) out.push({ kind: "forwarded a different body", detail: `#${i + 1}: podhost ${p.body.length} B ${escapeBytes(p.body.subarray(0, 120))}, nginx ${n.body.length} B ${escapeBytes(n.body.subarray(0, 120))}` });
  const ph = lower(p);
  const host = (h: [string, string][]) => h.filter(([name]) => name === "host").map(([, v]) => v.toLowerCase()).join(" | ");
  const podhostHost = host(ph);
  // nginx routes by the target's host but derives its header values from the Host header ($http_host; an
  // HTTP/1.0 client may send none, and then nginx sends no Host at all): its copy as if it had taken the target's.
  const targetHost = ph.find(([name]) => name === "host")?.[1] ?? "";
  const targetPort = /:(\d+)$/.exec(podhostHost)?.[1] ?? defaultPort;
  const fromTarget = (headers: [string, string][]): [string, string][] => [
    ["host", targetHost],
    ["x-forwarded-host", targetHost],
    ...headers.filter(([name]) => name !== "host" && name !== "x-forwarded-host").map(([name, v]): [string, string] => [name, name === "forwarded" ? v.replace(/;host="[^"]*"/, `;host="${targetHost}"`) : name === "x-forwarded-port" ? targetPort : v]),
  ];
  const nh = authorities.includes(podhostHost) ? fromTarget(lower(n)) : lower(n);
  if (host(ph) !== host(nh)) out.push({ kind: "forwarded a different Host", detail: `#${i + 1}: podhost ${JSON.stringify(host(ph))}, nginx ${JSON.stringify(host(nh))}` });
  // nginx leaves Connection-listed names in and podhost takes them out: only what podhost adds counts.
  const nginxHas = new Map<string, number>();
  for (const [name, value] of nh) nginxHas.set(`${name}: ${value}`, (nginxHas.get(`${name}: ${value}`) ?? 0) + 1);
  const extra: string[] = [];
  for (const [name, value] of ph) {
    if (perHop.has(name) || isForwardingHeader(name)) continue;
    const key = `${name}: ${value}`;
    const left = nginxHas.get(key) ?? 0;
    if (left > 0) nginxHas.set(key, left - 1);
    else extra.push(key);
  }
  if (extra.length) out.push({ kind: "forwarded headers nginx drops", detail: `#${i + 1}: ${escapeBytes(extra.slice(0, 5).join("; "))}${extra.length > 5 ? ` and ${extra.length - 5} more` : ""}` });
  for (const name of ownForwarding) {
    const pv = ph.filter(([n]) => n === name).map(([, v]) => v);
    let nv = nh.filter(([n]) => n === name).map(([, v]) => v);
    // nginx sets X-Forwarded-Prefix on the prefix route only and passes a client's on the others.
    if (name === "x-forwarded-prefix" && (!nv.includes(site.prefix) || encodedSlashRoute)) nv = [];
    if (pv.join("\n") !== nv.join("\n")) out.push({ kind: "forwarding header not the proxy's own", detail: `#${i + 1} ${name}: podhost ${JSON.stringify(pv)}, nginx ${JSON.stringify(nv)}` });
  }
  const foreign = ph.filter(([name]) => isForwardingHeader(name) && !ownForwarding.includes(name));
  if (foreign.length) out.push({ kind: "client's forwarding header reached the app", detail: `#${i + 1}: ${escapeBytes(foreign.map(([n, v]) => `${n}: ${v}`).join("; "))}` });
  // A backend that reads only the first N headers must still see who the visitor is (nginx writes its own first).
  const lastOwn = ph.findLastIndex(([name]) => name === "host" || ownForwarding.includes(name));
  const firstClient = ph.findIndex(([name]) => !perHop.has(name) && !ownForwarding.includes(name));
  if (firstClient >= 0 && lastOwn > firstClient) out.push({ kind: "own headers written after the client's", detail: `#${i + 1}: podhost's forwarding headers end at header ${lastOwn + 1} of ${ph.length}, the client's begin at ${firstClient + 1}` });
}

function answered(answers: Answer[]): string {
  return answers.map((a) => a.status).join(",") || "nothing";
}

/**
 * How podhost's observation differs from nginx's in ways that matter. `deliberate` is why podhost
 * may refuse this case although nginx forwards it (undefined: it may not).
 */
export function compare(c: Case, p: Observation, n: Observation, deliberate: string | undefined): Difference[] {
  const out: Difference[] = [];
  const requests = (o: Observation) => o.requests.map(line).join(" / ") || "none";
  const authorities = [...`${c.bytes}${c.after ?? ""}`.matchAll(/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+ https?:\/\/([^/\s?#]+)/gm)].map((m) => m[1]!.toLowerCase());
  if (c.podhostRefuses) {
    if (p.requests.length > 0) out.push({ kind: "forwarded what the issue says to refuse", detail: `${c.podhostRefuses.why}; the app got ${requests(p)}` });
    const status = p.client.answers[0]?.status;
    if (c.podhostRefuses.status && status !== c.podhostRefuses.status) out.push({ kind: "refused with the wrong status", detail: `${c.podhostRefuses.why}: expected ${c.podhostRefuses.status}, podhost answered ${answered(p.client.answers)}` });
  } else {
    if (p.requests.length > n.requests.length) out.push({ kind: "the app got more requests than nginx forwarded", detail: `podhost: ${requests(p)}; nginx: ${requests(n)}` });
    if (p.requests.length < n.requests.length && deliberate === undefined) out.push({ kind: "forwarded fewer requests than nginx, and llhttp accepts them", detail: `podhost answered ${answered(p.client.answers)} and forwarded ${requests(p)}; nginx forwarded ${requests(n)}` });
    // Each request podhost forwarded is held against nginx's copy of the same request line (one
    // refused by podhost alone must not shift the pairs), else against nginx's next one.
    let j = 0;
    for (const [i, forwarded] of p.requests.entries()) {
      const same = n.requests.findIndex((r, k) => k >= j && r.method === forwarded.method && normalTarget(r.target) === normalTarget(forwarded.target));
      const k = same >= 0 ? same : j;
      if (k >= n.requests.length) break;
      compareRequest(i, forwarded, n.requests[k]!, authorities, c.servername ? "443" : "80", out);
      j = k + 1;
    }
  }
  if (p.errors.length > n.errors.length) out.push({ kind: "the app got bytes it could not parse", detail: p.errors.map((e) => `${e.why} near ${escapeBytes(e.near.slice(0, 120))}`).join("; ") });
  if (p.tunnelled.length > 0 && n.tunnelled.length === 0) out.push({ kind: "tunnelled raw bytes nginx did not", detail: escapeBytes(p.tunnelled.slice(0, 200)) });
  const switched = (o: Observation) => o.client.answers.some((a) => a.status === 101);
  if (switched(p) && !switched(n)) out.push({ kind: "the client got a 101 nginx did not give", detail: `podhost answered ${answered(p.client.answers)}, nginx ${answered(n.client.answers)}` });
  const trailers = (o: Observation) => o.client.answers.flatMap((a) => a.trailers);
  if (trailers(p).length > trailers(n).length) out.push({ kind: "passed the app's trailers to the client", detail: escapeBytes(trailers(p).join("; ")) });
  for (const [i, answer] of p.client.answers.entries()) {
    const mine = /^seen #\d+ \S+ (\S+) /.exec(answer.body)?.[1];
    if (mine !== undefined && !p.requests.some((r) => r.target === mine)) out.push({ kind: "the client got an answer to another request", detail: `answer ${i + 1} names ${mine}` });
    const theirs = n.client.answers[i]?.status;
    if (answer.status >= 502 && answer.status <= 504 && theirs !== undefined && theirs < 500) out.push({ kind: "an upstream error nginx did not have", detail: `answer ${i + 1}: podhost ${answer.status}, nginx ${theirs}` });
  }
  compareVisitor(p, n, out);
  return out;
}

function visitorFine(o: Observation): string | undefined {
  const answer = o.visitor.answer;
  const token = /^\/visitor\/(\S+)/.exec(o.visitor.requests[0]?.target ?? "")?.[1];
  if (o.visitor.requests.length !== 1) return `the app got the visitor's request ${o.visitor.requests.length} times`;
  if (o.visitor.requests[0]!.body.toString() !== visitorBody) return `the visitor's body reached the app as ${escapeBytes(o.visitor.requests[0]!.body.subarray(0, 80))}`;
  if (!answer || answer.status !== 200) return `the visitor got ${answer ? answer.status : "no answer"}`;
  if (!answer.body.includes(`/visitor/${token} `)) return `the visitor got someone else's answer: ${escapeBytes(answer.body.slice(0, 120))}`;
  return undefined;
}

/** An innocent visitor right after the case: its request reaches the app whole, and it gets its own answer. */
function compareVisitor(p: Observation, n: Observation, out: Difference[]): void {
  const problem = visitorFine(p);
  if (problem && !visitorFine(n)) out.push({ kind: "the next visitor was harmed", detail: problem });
}
