/**
 * What podhost refuses on purpose though a yardstick accepts it: llhttp's strict mode in the
 * parser test, nginx in the proxy test. One table for both, so a rule is written (and argued)
 * once. A rule names the status podhost answers and looks at the request's bytes only, never at
 * podhost's own reasons: the tests judge podhost, they don't take its word. Each rule says in
 * which run it must still happen; one that no longer does fails that run (dead text).
 */
import { maxRequestHeaders } from "../../../main/proxy/http1";

/** The run a rule must show up in: "parser" (podhost's parser against llhttp), "proxy" (against nginx). */
export type Run = "parser" | "proxy";

export interface DeliberateRule {
  /** One sentence: why podhost's refusal is right, citing the RFC or nginx's answer to the same bytes. */
  why: string;
  /** The status podhost answers it with. */
  status: number;
  /** Whether `head` (one request's head: request line and header lines, CRLF-separated) is one this rule covers. */
  covers(head: RequestBytes): boolean;
  seenIn: Run[];
}

/** A request head taken apart just enough for the rules: no parsing beyond splitting lines at CRLF and fields at the first colon. */
export interface RequestBytes {
  line: string;
  method: string;
  target: string;
  fields: { name: string; value: string }[];
}

/** The head of the request that starts `message` (after any empty lines, which every reader skips). */
export function requestBytes(message: string): RequestBytes {
  const text = message.replace(/^[\r\n]+/, "");
  const end = text.indexOf("\r\n\r\n");
  const [line = "", ...rest] = (end < 0 ? text : text.slice(0, end)).split("\r\n");
  const fields = rest.map((field) => {
    const colon = field.indexOf(":");
    return { name: colon < 0 ? field.toLowerCase() : field.slice(0, colon).toLowerCase(), value: colon < 0 ? "" : field.slice(colon + 1) };
  });
  const [method = "", target = ""] = line.split(" ");
  return { line, method, target, fields };
}

const valuesOf = (head: RequestBytes, name: string) => head.fields.filter((f) => f.name === name).map((f) => f.value);
/** SP and HTAB only: what RFC 9110 calls OWS (String.trim takes more). */
const trimOws = (value: string) => value.replace(/^[ \t]+|[ \t]+$/g, "");
/** The path of a target, absolute-form or origin-form, without its query. */
const pathOf = (target: string) => target.replace(/^https?:\/\/[^/?#]*/i, "").split("?")[0]!;
/** A Host value as RFC 3986 writes one: an IP literal or a reg-name (unreserved, sub-delims, escapes), then an optional port of digits. */
const rfc3986Host = /^(?:\[[0-9a-f:.]+\]|(?:[a-z0-9\-._~!$&'()*+,;=]|%[0-9a-f]{2})*)(?::\d*)?$/i;

/** The first rule that covers a request is the one it is counted under: the narrower ones come first. */
export const deliberateRules: DeliberateRule[] = [
  {
    why: "a transfer coding other than a lone chunked: podhost decodes no other, so it can't find the body's end (RFC 9112 6.1 lets a server refuse; nginx 1.22 answers 501)",
    status: 400,
    covers: (h) => {
      const codings = valuesOf(h, "transfer-encoding");
      return codings.length > 1 || (codings.length === 1 && trimOws(codings[0]!).toLowerCase() !== "chunked");
    },
    seenIn: ["parser"],
  },
  {
    why: "Transfer-Encoding in an HTTP/1.0 request: a 1.0 peer may not know chunked, so the framing is ambiguous (RFC 9112 6.1 says treat it as faulty)",
    status: 400,
    covers: (h) => h.line.endsWith(" HTTP/1.0") && valuesOf(h, "transfer-encoding").length > 0,
    seenIn: ["parser"],
  },
  {
    why: "an HTTP version other than 1.0 or 1.1 is answered 505 (RFC 9110 15.6.6); llhttp reads HTTP/2.0 and 1.2 heads as it reads 1.1",
    status: 505,
    covers: (h) => / HTTP\/\d\.\d$/.test(h.line) && !/ HTTP\/1\.[01]$/.test(h.line),
    seenIn: ["parser"],
  },
  {
    why: "a request line without an HTTP version (HTTP/0.9) is not HTTP/1 at all; llhttp reads it as a request",
    status: 400,
    covers: (h) => / \S+$/.test(h.line) && !/ HTTP\/\S*$/.test(h.line),
    seenIn: ["parser"],
  },
  {
    why: "more than one space between the parts of the request line: RFC 9112 3 has exactly one SP, and a proxy that splits on runs of spaces reads another target than one that doesn't",
    status: 400,
    covers: (h) => / {2}|\t/.test(h.line),
    seenIn: ["parser", "proxy"],
  },
  {
    why: "dot segments or NUL in the path, plain or percent-encoded, are refused rather than resolved, so no prefix route or static root can be escaped",
    status: 400,
    covers: (h) => /(^|[/\\]|%2f|%5c)(\.|%2e){1,2}([/\\]|%2f|%5c|$)|%00/i.test(pathOf(h.target)),
    seenIn: ["parser", "proxy"],
  },
  {
    why: "a target that is neither a path nor an http(s) URL (asterisk-form, authority-form, userinfo), or a '%' that starts no escape: nginx 1.22 answers 400 to the same bytes",
    status: 400,
    covers: (h) => !/^(\/|https?:\/\/[^/?#@]+([/?]|$))/i.test(h.target) || /%(?![0-9a-f]{2})/i.test(pathOf(h.target)),
    seenIn: ["parser"],
  },
  {
    why: `more than ${maxRequestHeaders} header fields: issue 13 class 4 caps a client's header count so podhost's own headers can't be pushed out of a backend's first N`,
    status: 431,
    covers: (h) => h.fields.length > maxRequestHeaders,
    seenIn: ["parser", "proxy"],
  },
  {
    why: "a tab before or after a Content-Length, Transfer-Encoding or Host value: nginx refuses it: one reading of framing and routing headers for every reader",
    status: 400,
    covers: (h) => h.fields.some((f) => ["content-length", "transfer-encoding", "host"].includes(f.name) && f.value.includes("\t")),
    seenIn: ["parser"],
  },
  {
    why: "TRACE and CONNECT: nginx answers 405 to both; TRACE reflects a visitor's headers back (cross-site tracing) and CONNECT would make podhost a tunnel",
    status: 405,
    covers: (h) => h.method === "TRACE" || h.method === "CONNECT",
    seenIn: ["parser"],
  },
  {
    why: "more than one Expect field leaves it ambiguous whether a 100 Continue is owed, so it is answered 417 (RFC 9110 10.1.1); nginx 1.22 refuses the same bytes too (400, a duplicate header line)",
    status: 417,
    covers: (h) => valuesOf(h, "expect").length > 1,
    seenIn: ["parser"],
  },
  {
    why: "an Expect other than 100-continue on a request with a body is answered 417 (RFC 9110 10.1.1: a server may refuse an expectation it can't meet)",
    status: 417,
    covers: (h) => valuesOf(h, "expect").some((v) => trimOws(v).toLowerCase() !== "100-continue"),
    seenIn: ["proxy"],
  },
  {
    why: "a Host with two ports, or a port outside 1-65535, is a malformed Host (issue 13 class 5): 400, never echoed as X-Forwarded-Port",
    status: 400,
    covers: (h) =>
      valuesOf(h, "host").some((v) => {
        const port = /^[^[\]]*?:(.*)$|^\[[^\]]*\]:(.*)$/.exec(trimOws(v));
        const digits = port?.[1] ?? port?.[2];
        return digits !== undefined && digits !== "" && (!/^\d{1,5}$/.test(digits) || Number(digits) < 1 || Number(digits) > 65535);
      }),
    seenIn: ["proxy"],
  },
  {
    why: "a Host that is no RFC 3986 host (userinfo, a path, a byte no host name has): RFC 9112 3.2 says a server MUST answer 400, whatever the target, and podhost closes after it as nginx does after a 400 (nginx reads some such as an unknown name, 421, or takes an absolute-form target's host instead)",
    status: 400,
    covers: (h) => valuesOf(h, "host").some((v) => !rfc3986Host.test(trimOws(v))),
    seenIn: ["proxy"],
  },
];

/** The rule that lets podhost refuse `message` with `status`, if one does. */
export function deliberateRule(message: string, status: number): DeliberateRule | undefined {
  const head = requestBytes(message);
  return deliberateRules.find((rule) => rule.status === status && rule.covers(head));
}
