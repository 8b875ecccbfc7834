/**
 * The hand-written corpus: for every class of issue 13 and every rule of the proxy reference
 * (../shared/reference/proxy-certs-acme.md), the inputs an attacker tries. Framing obfuscations
 * follow public smuggling scanners (defparam's smuggler "gadgets", SMUGGLEtest's TE lists),
 * PortSwigger's request-smuggling research (CL.TE, TE.CL, TE.TE, the swallowed-visitor
 * prefix) and llhttp's own request tests (chunk extensions, obs-fold, leading CRLF).
 */
import { chunked, crlf, request, type Case } from "./case";
import { site } from "./peers";

const host = `Host: ${site.name}`;
/** A complete second request hidden where a body should be. */
const smuggled = request("GET /smuggled HTTP/1.1", [host]);
/** A half request: whatever comes next on the upstream connection (a visitor's request) becomes its header. */
const swallowing = `GET /smuggled HTTP/1.1${crlf}${host}${crlf}X-Swallow: `;

type Entry = Omit<Case, "id" | "sent" | "probe"> & { sent?: number };

function post(target: string, headers: string[], body: string): string {
  return request(`POST ${target} HTTP/1.1`, [host, ...headers], body);
}

const entries: Record<string, Omit<Case, "id" | "sent"> & { sent?: number }> = {};
function add(probe: string, cases: Record<string, Entry | string>): void {
  for (const [name, entry] of Object.entries(cases)) entries[`${probe}/${name}`] = typeof entry === "string" ? { probe, bytes: entry } : { ...entry, probe };
}

// --- baseline: what every proxy must just pass ---
add("baseline", {
  "get": request("GET /plain?q=1 HTTP/1.1", [host, "Accept: */*", "Cookie: a=b"]),
  "post-length": post("/form", ["Content-Type: application/x-www-form-urlencoded", "Content-Length: 7"], "a=1&b=2"),
  "post-chunked": post("/upload", ["Transfer-Encoding: chunked"], chunked(["hello ", "world"])),
  "two-pipelined": { bytes: request("GET /one HTTP/1.1", [host]) + request("GET /two HTTP/1.1", [host]), sent: 2 },
  "three-pipelined-with-bodies": { bytes: post("/a", ["Content-Length: 3"], "abc") + post("/b", ["Transfer-Encoding: chunked"], chunked(["de"])) + request("GET /c HTTP/1.1", [host]), sent: 3 },
  "http10-keep-alive": request("GET /old HTTP/1.0", [host, "Connection: keep-alive"]),
  "http10-no-host": request("GET /old HTTP/1.0", []),
  "head": request("HEAD /head HTTP/1.1", [host]),
  "expect-continue": post("/expect", ["Expect: 100-continue", "Content-Length: 4"], "body"),
  "prefix-route": request(`GET ${site.prefix}/post/1?x=y HTTP/1.1`, [host]),
  "prefix-bare": request(`GET ${site.prefix} HTTP/1.1`, [host]),
  "other-name": request("GET /other HTTP/1.1", [`Host: ${site.otherName}`]),
  "host-case-and-dot": request("GET /dot HTTP/1.1", [`Host: POD.Example.Test.`]),
  "host-port": request("GET /port HTTP/1.1", [`Host: ${site.name}:8443`]),
  "tls": { bytes: request("GET /tls HTTP/1.1", [host]), servername: site.name },
  "discovery-port-80": request("GET /.well-known/webfinger?resource=acct:a@pod.example.test HTTP/1.1", [host]),
  "body-at-limit": post("/limit", [`Content-Length: ${64 * 1024}`], "x".repeat(64 * 1024)),
  "body-over-limit": post("/over", [`Content-Length: ${64 * 1024 + 1}`], "x".repeat(64 * 1024 + 1)),
  "chunked-over-limit": post("/over", ["Transfer-Encoding: chunked"], chunked(["x".repeat(40_000), "y".repeat(40_000)])),
  "unknown-host": request("GET / HTTP/1.1", ["Host: admin.internal"]),
  "missing-host": request("GET / HTTP/1.1", []),
});

// --- class 1: headers a client names in Connection must not change framing or routing ---
const framingNames = ["Content-Length", "content-length", "Transfer-Encoding", "Host", "X-Forwarded-For", "Forwarded", "X-Real-IP", "X-Forwarded-Proto"];
const hopByHop: Record<string, Entry | string> = {};
for (const name of framingNames) {
  hopByHop[`names-${name}-length-body`] = post("/hop", [`Connection: ${name}`, `Content-Length: ${smuggled.length}`], smuggled);
  hopByHop[`names-${name}-chunked-body`] = post("/hop", [`Connection: keep-alive, ${name}`, "Transfer-Encoding: chunked"], chunked([smuggled]));
}
Object.assign(hopByHop, {
  "names-content-length-swallows-visitor": post("/hop", ["Connection: Content-Length", `Content-Length: ${swallowing.length}`], swallowing),
  "names-content-length-close": post("/hop", ["Connection: close, Content-Length", `Content-Length: ${smuggled.length}`], smuggled),
  "names-content-length-discovery": request("POST /.well-known/webfinger HTTP/1.1", [host, "Connection: Content-Length", `Content-Length: ${smuggled.length}`], smuggled),
  "names-content-length-prefix": post(`${site.prefix}/hop`, ["Connection: content-length", `Content-Length: ${smuggled.length}`], smuggled),
  "names-host-twice": request("GET /hop HTTP/1.1", [host, "Connection: host", "Connection: host"]),
  "names-te-trailers": request("GET /hop HTTP/1.1", [host, "TE: trailers", "Connection: TE"]),
  "names-keep-alive-header": request("GET /hop HTTP/1.1", [host, "Keep-Alive: timeout=5", "Connection: Keep-Alive"]),
  "names-cookie": request("GET /hop HTTP/1.1", [host, "Cookie: session=1", "Connection: Cookie"]),
  "proxy-connection": request("GET /hop HTTP/1.1", [host, "Proxy-Connection: keep-alive"]),
});
add("1-connection-listed-framing", hopByHop);

// --- class 2: an upgrade is a tunnel only after the upstream agreed with 101 websocket ---
const spoofed = request("GET /after-upgrade HTTP/1.1", ["Host: admin.internal", "X-Forwarded-For: 6.6.6.6"]);
const upgradeHead = (token: string, extra: string[] = []) => request("GET /socket HTTP/1.1", [host, "Connection: Upgrade", `Upgrade: ${token}`, ...extra]);
add("2-upgrade", {
  "refused-200-then-unknown-host": { bytes: upgradeHead("websocket", ["Sec-WebSocket-Version: 13", "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ=="]), after: spoofed, sent: 2 },
  "refused-200-then-spoofed-forwarding": { bytes: upgradeHead("websocket"), after: request("GET /after HTTP/1.1", [host, "X-Forwarded-For: 6.6.6.6", "X-Real-IP: 6.6.6.6", "X-Forwarded-Proto: https"]), sent: 2 },
  "refused-200-then-body-over-limit": { bytes: upgradeHead("websocket"), after: post("/after", [`Content-Length: ${70_000}`], "z".repeat(70_000)), sent: 2 },
  "refused-200-then-dot-segments": { bytes: upgradeHead("websocket"), after: request(`GET ${site.prefix}/%2e%2e/admin HTTP/1.1`, [host]), sent: 2 },
  "h2c": { bytes: upgradeHead("h2c", ["HTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA"]), after: spoofed, sent: 2 },
  "h2c-accepting-upstream": { bytes: upgradeHead("h2c", ["HTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA"]), after: spoofed, sent: 2, script: "upgrade" },
  "unknown-token": { bytes: upgradeHead("x-tunnel"), after: spoofed, sent: 2 },
  "upgrade-without-connection": { bytes: request("GET /socket HTTP/1.1", [host, "Upgrade: websocket"]), after: spoofed, sent: 2 },
  "websocket-accepted": { bytes: upgradeHead("websocket", ["Sec-WebSocket-Version: 13", "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ=="]), after: "raw tunnel bytes", script: "upgrade" },
  "websocket-accepted-prefix": { bytes: request(`GET ${site.prefix}/socket HTTP/1.1`, [host, "Connection: Upgrade", "Upgrade: websocket"]), after: "raw", script: "upgrade" },
  "upgrade-with-body": { bytes: post("/socket", ["Connection: Upgrade", "Upgrade: websocket", `Content-Length: ${smuggled.length}`], smuggled), sent: 1 },
});

// --- class 3: a body cut short never reaches the app (request buffering) ---
add("3-slow-or-cut-body", {
  "length-body-cut-short": { bytes: post("/cut", ["Content-Length: 1000"], "only this much"), halfClose: true },
  "chunked-body-cut-short": { bytes: post("/cut", ["Transfer-Encoding: chunked"], `100${crlf}only this much`), halfClose: true },
  "head-cut-short": { bytes: `GET /cut HTTP/1.1${crlf}${host}${crlf}X-Partial: yes`, halfClose: true },
});

// --- class 4: the proxy's own headers can't be pushed out or forged by name tricks ---
const fillers = Array.from({ length: 1100 }, (_, i) => `X-F${i}: 1`);
add("4-trusted-headers", {
  "pushed-out-by-count": request("GET /many HTTP/1.1", [host, ...fillers]),
  "underscore-forwarded-for": request("GET /u HTTP/1.1", [host, "X_Forwarded_For: 6.6.6.6"]),
  "underscore-real-ip": request("GET /u HTTP/1.1", [host, "X_Real_IP: 6.6.6.6", "X_Forwarded_Proto: https"]),
  "underscore-transfer-encoding": post("/u", ["Transfer_Encoding: chunked", "Content-Length: 5"], "0\r\n\r\n"),
  "spoofed-x-forwarded-for": request("GET /s HTTP/1.1", [host, "X-Forwarded-For: 6.6.6.6"]),
  "spoofed-all": request("GET /s HTTP/1.1", [host, "Forwarded: for=6.6.6.6;proto=https", "X-Forwarded-Proto: https", "X-Forwarded-Host: evil.example", "X-Forwarded-Port: 1", "X-Real-IP: 6.6.6.6", "X-Forwarded-Prefix: /admin"]),
  "spoofed-ssl-and-scheme": request("GET /s HTTP/1.1", [host, "X-Forwarded-Ssl: on", "X-Forwarded-Scheme: https", "X-Forwarded-Server: evil"]),
  "spoofed-lowercase-twice": request("GET /s HTTP/1.1", [host, "x-forwarded-for: 6.6.6.6", "x-forwarded-for: 7.7.7.7"]),
  "spoofed-before-host": request("GET /s HTTP/1.1", ["X-Forwarded-For: 6.6.6.6", host]),
});

// --- class 5: Host and SNI ---
add("5-host-and-sni", {
  "sni-other-name": { bytes: request("GET /sni HTTP/1.1", [host]), servername: site.otherName, podhostRefuses: { status: 421, why: "a TLS connection for one name must not reach another name's site (RFC 9110 misdirected request)" } },
  // A name none of ours gets the default certificate and crosses no site's boundary: as nginx, forwarded.
  "sni-unknown-name": { bytes: request("GET /sni HTTP/1.1", [host]), servername: "unknown.example.test" },
  "port-too-large": { bytes: request("GET /p HTTP/1.1", [`Host: ${site.name}:99999`]), podhostRefuses: { status: 400, why: "a Host port outside 1-65535 is a malformed Host (it was echoed as X-Forwarded-Port)" } },
  "port-zero-padded-huge": { bytes: request("GET /p HTTP/1.1", [`Host: ${site.name}:000000443`]), podhostRefuses: { status: 400, why: "a port of more than five digits is no port" } },
  "port-letters": { bytes: request("GET /p HTTP/1.1", [`Host: ${site.name}:80a`]), podhostRefuses: { status: 400, why: "a malformed Host is 400, not 421" } },
  "port-empty": request("GET /p HTTP/1.1", [`Host: ${site.name}:`]),
  "host-with-path": { bytes: request("GET /p HTTP/1.1", [`Host: ${site.name}/admin`]), podhostRefuses: { status: 400, why: "a malformed Host is 400, not 421" } },
  "host-with-userinfo": { bytes: request("GET /p HTTP/1.1", [`Host: user@${site.name}`]), podhostRefuses: { status: 400, why: "a malformed Host is 400, not 421" } },
  "host-twice": request("GET /p HTTP/1.1", [host, `Host: ${site.otherName}`]),
  "host-empty": request("GET /p HTTP/1.1", ["Host: "]),
});

// --- class 6: an upstream speaking HTTP/1.0 ---
add("6-upstream-http10", {
  "answer-without-keep-alive": { bytes: request("GET /old-upstream HTTP/1.1", [host]), script: "http10" },
  "pipelined-behind-it": { bytes: request("GET /old-1 HTTP/1.1", [host]) + request("GET /old-2 HTTP/1.1", [host]), sent: 2, script: "http10" },
});

// --- class 7: RFC 9112 conformance ---
add("7-rfc9112", {
  "empty-line-before-request-line": `${crlf}${request("GET /leading HTTP/1.1", [host])}`,
  "absolute-form-own-host": request(`GET http://${site.name}/absolute?x=1 HTTP/1.1`, [host]),
  "absolute-form-other-host": request("GET http://evil.example/absolute HTTP/1.1", [host]),
  "absolute-form-host-mismatch": request(`GET http://${site.otherName}/absolute HTTP/1.1`, [host]),
  "absolute-form-https": { bytes: request(`GET https://${site.name}/absolute HTTP/1.1`, [host]), servername: site.name },
  "chunk-extension-control-char": { bytes: post("/ext", ["Transfer-Encoding: chunked"], `3;a=\x01b${crlf}abc${crlf}0${crlf}${crlf}`), podhostRefuses: { why: "a chunk extension with a control character" } },
  "chunk-extension-bare-cr": { bytes: post("/ext", ["Transfer-Encoding: chunked"], `3;a=\rb${crlf}abc${crlf}0${crlf}${crlf}`), podhostRefuses: { why: "a chunk extension with a bare CR" } },
  "chunk-extension-plain": post("/ext", ["Transfer-Encoding: chunked"], `3;name=value${crlf}abc${crlf}0${crlf}${crlf}`),
  "trailer-without-colon": { bytes: post("/trailer", ["Transfer-Encoding: chunked"], `3${crlf}abc${crlf}0${crlf}not a field${crlf}${crlf}`), podhostRefuses: { why: "a trailer line without a colon" } },
  "trailer-control-char": { bytes: post("/trailer", ["Transfer-Encoding: chunked"], `3${crlf}abc${crlf}0${crlf}X-T: a\x01b${crlf}${crlf}`), podhostRefuses: { why: "a trailer with a control character" } },
  "trailer-plain": post("/trailer", ["Transfer-Encoding: chunked"], chunked(["abc"], ["X-Checksum: 1"])),
  "upstream-trailers": { bytes: request("GET /trailers HTTP/1.1", [host]), script: "trailers" },
  "method-lowercase": request("get /lower HTTP/1.1", [host]),
  "method-trace": request("TRACE /trace HTTP/1.1", [host, "Cookie: secret=1"]),
  "method-connect": request(`CONNECT ${site.name}:443 HTTP/1.1`, [host]),
  "method-options-star": request("OPTIONS * HTTP/1.1", [host]),
  "version-1-2": request("GET /v HTTP/1.2", [host]),
  "version-2-0": request("GET /v HTTP/2.0", [host]),
  "version-0-9-style": `GET /v${crlf}${crlf}`,
  "target-with-fragment": request("GET /frag#x HTTP/1.1", [host]),
  "target-with-obs-text": request("GET /caf\xe9 HTTP/1.1", [host]),
  "long-target": request(`GET /${"a".repeat(12_000)} HTTP/1.1`, [host]),
});

// --- the reference's smuggling rules: framing two parsers could read differently ---
const teObfuscations = ["chunked, x", "x, chunked", "chunked, identity", "identity, chunked", "Chunked", "CHUNKED", " chunked", "chunked ", "\tchunked", "chunked\t", "xchunked", "chunk", "chunked;q=1", '"chunked"', "chunked\x0b", "\x0bchunked", "chunked\x00", "chùnked"];
const teNames = ["Transfer-Encoding", "Transfer-encoding", "TrAnSfEr-EnCoDiNg", "Transfer-Encoding ", " Transfer-Encoding", "Transfer-Encoding\t", "Transfer_Encoding", "Transfer-Encodings", "X-Transfer-Encoding"];
const smuggling: Record<string, Entry | string> = {
  "cl-te": post("/s", [`Content-Length: ${chunked([]).length + smuggled.length}`, "Transfer-Encoding: chunked"], chunked([]) + smuggled),
  "te-cl": post("/s", ["Transfer-Encoding: chunked", "Content-Length: 3"], `${smuggled.length.toString(16)}${crlf}${smuggled}${crlf}0${crlf}${crlf}`),
  "two-equal-content-lengths": post("/s", ["Content-Length: 3", "Content-Length: 3"], "abc"),
  "two-different-content-lengths": post("/s", ["Content-Length: 0", `Content-Length: ${smuggled.length}`], smuggled),
  "content-length-list": post("/s", ["Content-Length: 3, 3"], "abc"),
  "content-length-plus": post("/s", ["Content-Length: +3"], "abc"),
  "content-length-hex": post("/s", ["Content-Length: 0x3"], "abc"),
  "content-length-negative": post("/s", ["Content-Length: -1"], smuggled),
  "content-length-huge": post("/s", ["Content-Length: 99999999999999999999"], "abc"),
  "content-length-space-inside": post("/s", ["Content-Length: 1 2"], "a".repeat(12)),
  "content-length-before-colon-space": post("/s", ["Content-Length : 3"], "abc"),
  "bare-lf-everywhere": `POST /s HTTP/1.1\n${host}\nContent-Length: 0\n\n${smuggled}`,
  "bare-lf-one-line": `POST /s HTTP/1.1\r\n${host}\r\nX-A: 1\nContent-Length: 0\r\n\r\n${smuggled}`,
  "bare-cr-in-header": `POST /s HTTP/1.1\r\n${host}\r\nX-A: 1\rContent-Length: 3\r\n\r\nabc`,
  "obs-fold": post("/s", ["X-Folded: a", " b", "Content-Length: 3"], "abc"),
  "obs-fold-transfer-encoding": post("/s", ["Transfer-Encoding:", " chunked", `Content-Length: ${chunked([]).length}`], chunked([])),
  "nul-in-value": request("GET /s HTTP/1.1", [host, "X-Nul: a\x00b"]),
  "space-in-name": request("GET /s HTTP/1.1", [host, "X Name: a"]),
  "empty-name": request("GET /s HTTP/1.1", [host, ": a"]),
  "te-in-http10": request("POST /s HTTP/1.0", [host, "Transfer-Encoding: chunked"], chunked(["abc"])),
  "chunk-size-leading-zeros": post("/s", ["Transfer-Encoding: chunked"], `0003${crlf}abc${crlf}0${crlf}${crlf}`),
  "chunk-size-0x": post("/s", ["Transfer-Encoding: chunked"], `0x3${crlf}abc${crlf}0${crlf}${crlf}`),
  "chunk-size-space": post("/s", ["Transfer-Encoding: chunked"], `3 ${crlf}abc${crlf}0${crlf}${crlf}`),
  "chunk-size-huge": post("/s", ["Transfer-Encoding: chunked"], `fffffffffffffffff${crlf}abc${crlf}0${crlf}${crlf}`),
  "chunk-data-longer-than-size": post("/s", ["Transfer-Encoding: chunked"], `3${crlf}abcdef${crlf}0${crlf}${crlf}`),
  "chunk-lf-only": post("/s", ["Transfer-Encoding: chunked"], `3\nabc\n0\n\n`),
  "zero-chunk-then-smuggled": post("/s", ["Transfer-Encoding: chunked"], `0${crlf}${crlf}${smuggled}`),
  "double-chunked": post("/s", ["Transfer-Encoding: chunked", "Transfer-Encoding: chunked"], chunked(["abc"])),
};
for (const [i, value] of teObfuscations.entries()) smuggling[`te-value-${i}-${JSON.stringify(value)}`] = post("/te", [`Content-Length: ${chunked([]).length + smuggled.length}`, `Transfer-Encoding: ${value}`], chunked([]) + smuggled);
for (const [i, name] of teNames.entries()) smuggling[`te-name-${i}-${JSON.stringify(name)}`] = post("/te", [`Content-Length: ${chunked([]).length + smuggled.length}`, `${name}: chunked`], chunked([]) + smuggled);
add("rules-smuggling", smuggling);

// --- the reference's routing rules: targets that try to reach another origin or escape a prefix ---
add("rules-targets", {
  "double-slash-origin": request("GET //evil.example/x HTTP/1.1", [host]),
  "dot-segments": request(`GET ${site.prefix}/../admin HTTP/1.1`, [host]),
  "encoded-dots": request(`GET ${site.prefix}/%2e%2e/admin HTTP/1.1`, [host]),
  "encoded-dots-upper": request(`GET ${site.prefix}/%2E%2E/admin HTTP/1.1`, [host]),
  "encoded-slash-dots": request(`GET ${site.prefix}/..%2fadmin HTTP/1.1`, [host]),
  "encoded-prefix-slash": request(`GET ${site.prefix}%2f..%2fadmin HTTP/1.1`, [host]),
  "backslash-dots": request(`GET ${site.prefix}/..\\admin HTTP/1.1`, [host]),
  "double-encoded-dots": request(`GET ${site.prefix}/%252e%252e/admin HTTP/1.1`, [host]),
  "encoded-nul": request("GET /a%00b HTTP/1.1", [host]),
  "prefix-lookalike": request(`GET ${site.prefix}ger/x HTTP/1.1`, [host]),
  "prefix-query": request(`GET ${site.prefix}?x=/../admin HTTP/1.1`, [host]),
  "static-escape": request("GET /%2e%2e/%2e%2e/etc/passwd HTTP/1.1", [host]),
});

/** The corpus, in a stable order. */
export const corpus: Case[] = Object.entries(entries).map(([name, entry]) => ({ sent: 1, ...entry, id: `corpus/${name}` }));
