/**
 * A seeded, deterministic mutator: the same seed and count give the same cases, byte for byte,
 * on every machine. Each case is a corpus case with one to three mutations of its first request
 * head or body: header names, casing, duplicates, whitespace, line endings, framing, chunk sizes
 * and extensions, Connection lists, Upgrade, pipelining, truncation, methods, targets, versions.
 */
import type { Case } from "./case";
import { site } from "./peers";

/** mulberry32: small, fast and good enough to pick mutations; the same seed gives the same stream. */
function generator(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Random {
  int(below: number): number;
  pick<T>(items: readonly T[]): T;
  chance(p: number): boolean;
}

function random(seed: number): Random {
  const next = generator(seed);
  const int = (below: number) => Math.floor(next() * below);
  return { int, pick: (items) => items[int(items.length)]!, chance: (p) => next() < p };
}

/** The first request of a case taken apart: its head lines, the line breaks between them, and what follows. */
interface Parts {
  lines: string[];
  /** The break after each line but the last. */
  breaks: string[];
  /** The blank line that ends the head. */
  end: string;
  rest: string;
  sent: number;
  halfClose: boolean;
}

function split(c: Case): Parts | undefined {
  const at = c.bytes.indexOf("\r\n\r\n");
  if (at < 0) return undefined;
  const lines = c.bytes.slice(0, at).split("\r\n");
  return { lines, breaks: lines.slice(1).map(() => "\r\n"), end: "\r\n\r\n", rest: c.bytes.slice(at + 4), sent: c.sent, halfClose: false };
}

function join(parts: Parts): string {
  let head = parts.lines[0] ?? "";
  for (let i = 1; i < parts.lines.length; i++) head += `${parts.breaks[i - 1] ?? "\r\n"}${parts.lines[i]}`;
  return `${head}${parts.end}${parts.rest}`;
}

function headerAt(parts: Parts, r: Random): number | undefined {
  return parts.lines.length > 1 ? 1 + r.int(parts.lines.length - 1) : undefined;
}

function insertHeader(parts: Parts, r: Random, line: string): void {
  const at = 1 + r.int(parts.lines.length);
  parts.lines.splice(at, 0, line);
  parts.breaks.splice(at - 1, 0, "\r\n");
}

function removeHeaders(parts: Parts, lower: string): void {
  for (let i = parts.lines.length - 1; i >= 1; i--) {
    if (parts.lines[i]!.toLowerCase().startsWith(`${lower}:`)) {
      parts.lines.splice(i, 1);
      parts.breaks.splice(i - 1, 1);
    }
  }
}

const spaces = [" ", "\t", "  ", "\x0b", "\x0c", "\x00", "\xa0", "\r"];
const teValues = ["chunked", "Chunked", "chunked, identity", "identity, chunked", "chunked, chunked", " chunked", "chunked\t", "chunked, x", "gzip, chunked", "x-chunked", "chunked;q=1", "\x0bchunked", "chunk", ""];
const lengthValues = (body: number) => [`${body}`, `${body + 1}`, `${Math.max(0, body - 1)}`, "0", ` ${body}`, `+${body}`, `${body}, ${body}`, `0${body}`, `${body}.0`, "-1", "18446744073709551616", `${body} ${body}`, `0x${body.toString(16)}`];
const connectionNames = ["close", "keep-alive", "upgrade", "Content-Length", "Transfer-Encoding", "Host", "X-Forwarded-For", "X-Real-IP", "Forwarded", "TE", "Cookie", "Keep-Alive", "X-Foo", "Expect", "Authorization"];
const methods = ["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD", "get", "Get", "TRACE", "CONNECT", "PROPFIND", "M-SEARCH", "G\tET", "GET ", "ACL", "PRI", "QUERY"];
const targets = [`http://${site.name}/abs`, `http://${site.otherName}/abs`, "http://evil.example/abs", `https://${site.name}:443/abs`, "//evil.example/x", "/a/%2e%2e/b", `${site.prefix}/%2e%2e/admin`, `${site.prefix}/..%2fadmin`, `${site.prefix}%2fx`, "*", "/a%00b", "/a?b#c", "/%", "/\xff", "/a\\..\\b", "/./a", `${site.prefix}`, `${site.prefix}/`, `${site.prefix}?q`, "/.well-known/webfinger?resource=acct:a@b", "/a;b=c", "/%2F%2F/x", "/visitor/x", "/?\"<>"];
const versions = ["HTTP/1.0", "HTTP/1.2", "HTTP/2.0", "HTTP/1.1 ", "HTTP/1.01", "http/1.1", "HTTP/ 1.1", "HTTP/1.10", "HTTP/0.9", "HTTP/1"];
const hosts = [`${site.name}:99999`, `${site.name}:0`, `${site.name}:443`, `${site.name}:`, site.otherName, "", "unknown.example", "[::1]", `${site.name}, ${site.otherName}`, `${site.name} `, "POD.EXAMPLE.TEST", `${site.name}.`, `user@${site.name}`, `${site.name}/x`, `${site.name}:80:80`, "127.0.0.1", `${site.name}\t`];
const forwarding = ["X-Forwarded-For: 6.6.6.6", "x-forwarded-for: 6.6.6.6, 127.0.0.1", "X_Forwarded_For: 6.6.6.6", "X-Real-IP: 6.6.6.6", "X-Forwarded-Proto: https", "X-Forwarded-Host: evil.example", "Forwarded: for=6.6.6.6", "X-Forwarded-Port: 1", "X-Forwarded-Ssl: on", "X-Forwarded-Prefix: /admin", "X-Forwarded-For:6.6.6.6", "X-Forwarded-For : 6.6.6.6"];
const extensions = [";a=b", ";a", ";", ';a="b c"', ";a=b;c=d", "; a=b", ";a=\x01", ";" + "e".repeat(200), ";a=\x7f"];

type Mutation = (parts: Parts, r: Random, others: Case[]) => void;

/** The mutations by name (the name goes into the case's probe, so a failure says what was done). */
const mutations: Record<string, Mutation> = {
  "name-case": (p, r) => {
    const i = headerAt(p, r);
    if (i === undefined) return;
    const line = p.lines[i]!;
    const colon = Math.max(0, line.indexOf(":"));
    p.lines[i] = [...line.slice(0, colon)].map((ch) => (r.chance(0.5) ? ch.toUpperCase() : ch.toLowerCase())).join("") + line.slice(colon);
  },
  "name-underscore": (p, r) => {
    const i = headerAt(p, r);
    if (i !== undefined) p.lines[i] = p.lines[i]!.replace(/^([^:]*?)-/, "$1_");
  },
  "space-before-colon": (p, r) => {
    const i = headerAt(p, r);
    if (i !== undefined) p.lines[i] = p.lines[i]!.replace(":", `${r.pick([" ", "\t"])}:`);
  },
  "space-before-name": (p, r) => {
    const i = headerAt(p, r);
    if (i !== undefined) p.lines[i] = `${r.pick([" ", "\t"])}${p.lines[i]}`;
  },
  "value-whitespace": (p, r) => {
    const i = headerAt(p, r);
    if (i === undefined) return;
    const line = p.lines[i]!;
    const colon = line.indexOf(":") + 1;
    p.lines[i] = r.chance(0.5) ? `${line.slice(0, colon)}${r.pick(spaces)}${line.slice(colon)}` : `${line}${r.pick(spaces)}`;
  },
  "duplicate-header": (p, r) => {
    const i = headerAt(p, r);
    if (i !== undefined) insertHeader(p, r, p.lines[i]!);
  },
  "drop-header": (p, r) => {
    const i = headerAt(p, r);
    if (i === undefined) return;
    p.lines.splice(i, 1);
    p.breaks.splice(i - 1, 1);
  },
  "swap-headers": (p, r) => {
    const a = headerAt(p, r);
    const b = headerAt(p, r);
    if (a !== undefined && b !== undefined) [p.lines[a], p.lines[b]] = [p.lines[b]!, p.lines[a]!];
  },
  "line-break": (p, r) => {
    if (p.breaks.length) p.breaks[r.int(p.breaks.length)] = r.pick(["\n", "\r", "\r\r\n", "\n\r", "\r\n\r"]);
  },
  "head-end": (p, r) => {
    p.end = r.pick(["\n\n", "\r\n\n", "\n\r\n", "\r\n\r\r\n", "\r\n \r\n"]);
  },
  "obs-fold": (p, r) => {
    const i = headerAt(p, r);
    if (i === undefined) return;
    const line = p.lines[i]!;
    const colon = line.indexOf(":") + 1;
    p.lines[i] = `${line.slice(0, colon)}\r\n${r.pick([" ", "\t"])}${line.slice(colon).trimStart()}`;
  },
  "content-length": (p, r) => {
    if (r.chance(0.5)) removeHeaders(p, "content-length");
    insertHeader(p, r, `${r.pick(["Content-Length", "content-length", "Content-length"])}: ${r.pick(lengthValues(p.rest.length))}`);
  },
  "transfer-encoding": (p, r) => {
    insertHeader(p, r, `Transfer-Encoding: ${r.pick(teValues)}`);
    if (r.chance(0.5)) p.rest = `${p.rest.length.toString(16)}\r\n${p.rest}\r\n0\r\n\r\n`;
  },
  "rechunk": (p, r) => {
    const body = p.rest;
    removeHeaders(p, "content-length");
    removeHeaders(p, "transfer-encoding");
    insertHeader(p, r, "Transfer-Encoding: chunked");
    let out = "";
    for (let at = 0; at < body.length; ) {
      const size = Math.min(body.length - at, 1 + r.int(Math.max(1, body.length)));
      let digits = size.toString(16);
      if (r.chance(0.2)) digits = digits.toUpperCase();
      if (r.chance(0.1)) digits = `000${digits}`;
      out += `${digits}${r.chance(0.2) ? r.pick(extensions) : ""}\r\n${body.slice(at, at + size)}\r\n`;
      at += size;
    }
    p.rest = `${out}0${r.chance(0.2) ? r.pick(extensions) : ""}\r\n${r.chance(0.2) ? r.pick(["X-T: 1\r\n", "bad trailer\r\n", "X-T: a\x01\r\n", "Content-Length: 5\r\n"]) : ""}\r\n`;
  },
  "connection-list": (p, r) => {
    const names = Array.from({ length: 1 + r.int(3) }, () => r.pick(connectionNames));
    insertHeader(p, r, `${r.pick(["Connection", "connection", "Proxy-Connection"])}: ${names.join(r.pick([", ", ",", " ,", ",,"]))}`);
  },
  "upgrade": (p, r) => {
    insertHeader(p, r, `Upgrade: ${r.pick(["websocket", "WebSocket", "h2c", "x-tunnel", "websocket, h2c", "HTTP/2.0"])}`);
    if (r.chance(0.8)) insertHeader(p, r, `Connection: ${r.pick(["Upgrade", "upgrade", "keep-alive, Upgrade", "Upgrade, HTTP2-Settings"])}`);
  },
  "pipeline": (p, r, others) => {
    const other = r.pick(others);
    p.rest += other.bytes;
    p.sent += other.sent;
  },
  "method": (p, r) => {
    p.lines[0] = p.lines[0]!.replace(/^\S*/, r.pick(methods));
  },
  "target": (p, r) => {
    const line = p.lines[0]!.split(" ");
    if (line.length >= 3) p.lines[0] = [line[0], r.pick(targets), ...line.slice(2)].join(" ");
  },
  "version": (p, r) => {
    p.lines[0] = p.lines[0]!.replace(/HTTP\/\d\.\d$/, r.pick(versions));
  },
  "host": (p, r) => {
    if (r.chance(0.7)) removeHeaders(p, "host");
    if (r.chance(0.9)) insertHeader(p, r, `${r.pick(["Host", "host", "HOST"])}: ${r.pick(hosts)}`);
  },
  "forwarding": (p, r) => insertHeader(p, r, r.pick(forwarding)),
  "expect": (p, r) => insertHeader(p, r, `Expect: ${r.pick(["100-continue", "100-Continue", "200-ok", ""])}`),
  "many-headers": (p, r) => {
    const count = r.pick([50, 200, 1000, 1200]);
    for (let i = 0; i < count; i++) insertHeader(p, r, `X-M${i}: ${i}`);
  },
};
const names = Object.keys(mutations);

/** `count` cases from seed `seed`, each a corpus case with one to three mutations (and sometimes cut short). */
export function mutate(corpus: Case[], seed: number, count: number): Case[] {
  // Cases whose backend answers in a special way or that run over TLS stay hand-written: the bulk runs plain and fast.
  const bases = corpus.filter((c) => !c.script && !c.servername && !c.halfClose && c.after === undefined && !c.podhostRefuses && c.bytes.length < 4096);
  const r = random(seed);
  const out: Case[] = [];
  while (out.length < count) {
    const base = r.pick(bases);
    const parts = split(base);
    if (!parts) continue;
    const applied = Array.from({ length: 1 + r.int(3) }, () => r.pick(names));
    for (const name of applied) mutations[name]!(parts, r, bases);
    let bytes = join(parts);
    if (r.chance(0.04)) {
      bytes = bytes.slice(0, 1 + r.int(bytes.length - 1));
      applied.push("truncate");
      parts.halfClose = true;
    }
    out.push({ id: `mutation/${seed}/${out.length}`, probe: `${applied.join("+")} of ${base.id}`, bytes, sent: parts.sent, ...(parts.halfClose ? { halfClose: true } : {}) });
  }
  return out;
}
