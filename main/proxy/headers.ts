import type { IncomingMessage } from "node:http";
import { isIP } from "node:net";

/** Headers that describe one connection, never the message (RFC 9110 7.6.1), plus Expect (we answer 100-continue ourselves). */
const hopByHop = new Set(["connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade", "proxy-authenticate", "proxy-authorization", "http2-settings", "expect"]);

/** What the proxy knows about the client, written fresh into every upstream request. */
export interface ClientFacts {
  ip: string;
  proto: "http" | "https";
  /** The validated Host header as the client sent it. */
  host: string;
  /** The path prefix this route strips, "" for none. */
  prefix: string;
}

/** What a trusted front server on this PC says about the visitor, when it says it. */
export interface FrontServerClaim {
  ip?: string;
  proto?: "http" | "https";
}

function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  const ip = address.startsWith("::ffff:") ? address.slice(7) : address;
  return ip === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(ip);
}

/**
 * The visitor as the front server saw it: the last X-Forwarded-For entry (the one it added) and
 * its X-Forwarded-Proto. Only from a loopback peer: anyone else could claim anything.
 */
export function frontServerClaim(req: IncomingMessage): FrontServerClaim {
  if (!isLoopback(req.socket.remoteAddress)) return {};
  const forwardedFor = String(req.headers["x-forwarded-for"] ?? "").split(",").map((part) => part.trim()).filter(Boolean).at(-1);
  const proto = String(req.headers["x-forwarded-proto"] ?? "").trim().toLowerCase();
  return {
    ...(forwardedFor && isIP(forwardedFor) ? { ip: forwardedFor } : {}),
    ...(proto === "https" || proto === "http" ? { proto } : {}),
  };
}

/** The names a Connection header lists: the sender's hop-by-hop extras. */
function connectionListed(value: string | string[] | undefined): Set<string> | undefined {
  if (!value) return undefined;
  const text = String(value);
  // The common case, "keep-alive" or "close" alone, names nothing to strip.
  if (text.length <= 10 && /^(?:keep-alive|close)$/i.test(text)) return undefined;
  const listed = new Set<string>();
  for (const part of text.split(",")) {
    const name = part.trim().toLowerCase();
    if (name && name !== "close" && name !== "keep-alive") listed.add(name);
  }
  return listed.size ? listed : undefined;
}

function isForwarding(name: string): boolean {
  return name === "forwarded" || name === "x-real-ip" || name.startsWith("x-forwarded-");
}

/**
 * The headers for the upstream request as a flat [name, value, ...] list: hop-by-hop and
 * Connection-listed headers stripped, client-sent forwarding headers deleted (appending is
 * unsafe: Rack trusts private addresses and would take a spoofed value), fresh ones added.
 */
export function upstreamRequestHeaders(req: IncomingMessage, client: ClientFacts, upgrade?: string): string[] {
  const listed = connectionListed(req.headers.connection);
  const raw = req.rawHeaders;
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    if (name === "host" || hopByHop.has(name) || isForwarding(name) || listed?.has(name)) continue;
    out.push(raw[i]!, raw[i + 1]!);
  }
  const ip = client.ip.startsWith("::ffff:") ? client.ip.slice(7) : client.ip;
  const forIp = ip.includes(":") ? `"[${ip}]"` : ip;
  out.push(
    "host", client.host,
    "x-forwarded-for", ip,
    "x-real-ip", ip,
    "x-forwarded-proto", client.proto,
    "x-forwarded-host", client.host,
    "x-forwarded-port", publicPort(client.host, client.proto),
    "forwarded", `for=${forIp};host="${client.host}";proto=${client.proto}`,
  );
  if (client.prefix) out.push("x-forwarded-prefix", client.prefix);
  if (upgrade) out.push("connection", "upgrade", "upgrade", upgrade);
  return out;
}

/**
 * The port the client used as it sees it: the Host header's, else the scheme's default. Never
 * our listening port: behind a router mapping 443 -> 8443, the app would build links with :8443.
 */
function publicPort(host: string, proto: "http" | "https"): string {
  const match = /:(\d+)$/.exec(host);
  return match && !host.endsWith("]") ? match[1]! : proto === "https" ? "443" : "80";
}

/**
 * Response headers that may go to the client (undici hands them over as latin1 buffers), with
 * Location and cookie paths moved under the route's prefix.
 */
export function clientResponseHeaders(raw: Buffer[], prefix: string, requestHost: string): string[] {
  const out: string[] = [];
  let listed: Set<string> | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const original = raw[i]!.toString("latin1");
    const name = original.toLowerCase();
    const value = raw[i + 1]!.toString("latin1");
    if (name === "connection") listed = connectionListed(value);
    if (hopByHop.has(name)) continue;
    out.push(original, prefix && name === "location" ? prefixLocation(value, prefix, requestHost) : prefix && name === "set-cookie" ? prefixCookiePath(value, prefix) : value);
  }
  if (!listed) return out;
  // A Connection header named other headers as hop-by-hop: drop those too (wherever they came in the list).
  const kept: string[] = [];
  for (let i = 0; i < out.length; i += 2) if (!listed.has(out[i]!.toLowerCase())) kept.push(out[i]!, out[i + 1]!);
  return kept;
}

function prefixLocation(location: string, prefix: string, requestHost: string): string {
  if (location.startsWith("/") && !location.startsWith("//")) return prefix + location;
  const absolute = /^(https?:\/\/)([^/?#]+)(.*)$/i.exec(location);
  if (absolute && absolute[2]!.toLowerCase() === requestHost.toLowerCase()) {
    const rest = absolute[3]!;
    return `${absolute[1]}${absolute[2]}${prefix}${rest.startsWith("/") ? rest : `/${rest}`}`;
  }
  return location;
}

function prefixCookiePath(cookie: string, prefix: string): string {
  return cookie.replace(/;\s*path=([^;]*)/i, (_all, path: string) => `; Path=${prefix}${path.trim() === "/" ? "" : path.trim()}`);
}
