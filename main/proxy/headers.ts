import { isIP } from "node:net";
import { headerValue, type RequestHead, type ResponseHead } from "./http1";

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
export function frontServerClaim(peer: string, request: RequestHead): FrontServerClaim {
  if (!isLoopback(peer)) return {};
  const forwardedFor = (headerValue(request, "x-forwarded-for") ?? "").split(",").map((part) => part.trim()).filter(Boolean).at(-1);
  const proto = (headerValue(request, "x-forwarded-proto") ?? "").trim().toLowerCase();
  return {
    ...(forwardedFor && isIP(forwardedFor) ? { ip: forwardedFor } : {}),
    ...(proto === "https" || proto === "http" ? { proto } : {}),
  };
}

/** The names a Connection header lists beyond close and keep-alive: the sender's hop-by-hop extras. */
function connectionListed(options: string[]): Set<string> | undefined {
  let listed: Set<string> | undefined;
  for (const option of options) if (option !== "close" && option !== "keep-alive") (listed ??= new Set()).add(option);
  return listed;
}

function isForwarding(name: string): boolean {
  return name === "forwarded" || name === "x-real-ip" || name.startsWith("x-forwarded-");
}

/**
 * Request headers never copied from the client: the proxy writes its own. Host and the
 * forwarding headers route the request and say who asked; Content-Length frames the body the
 * proxy actually read (it re-frames every message, so no client list or spelling decides where
 * a body ends upstream).
 */
function isWrittenByProxy(name: string): boolean {
  return name === "host" || name === "content-length" || isForwarding(name);
}

/**
 * The head of the upstream request, without its framing and blank line (the exchange adds
 * `Content-Length` for the body it read). podhost's own headers come first, so a backend that
 * reads only the first N headers still sees them; client-sent forwarding headers are deleted
 * (appending is unsafe: Rack trusts private addresses and would take a spoofed value); hop-by-hop
 * headers, the names the client's Connection lists and names with an underscore are dropped
 * (nginx's `underscores_in_headers off`: Rack and CGI read `X_Forwarded_For` as X-Forwarded-For).
 * A Connection list can't take away or add anything the proxy writes itself.
 */
export function upstreamRequestHead(request: RequestHead, path: string, client: ClientFacts, upgrade?: string): string {
  const ip = client.ip.startsWith("::ffff:") ? client.ip.slice(7) : client.ip;
  const forIp = ip.includes(":") ? `"[${ip}]"` : ip;
  let head = `${request.method} ${path} HTTP/1.1\r\nHost: ${client.host}\r\nX-Forwarded-For: ${ip}\r\nX-Real-IP: ${ip}\r\nX-Forwarded-Proto: ${client.proto}\r\nX-Forwarded-Host: ${client.host}\r\nX-Forwarded-Port: ${publicPort(client.host, client.proto)}\r\nForwarded: for=${forIp};host="${client.host}";proto=${client.proto}\r\n`;
  if (client.prefix) head += `X-Forwarded-Prefix: ${client.prefix}\r\n`;
  if (upgrade) head += `Connection: upgrade\r\nUpgrade: ${upgrade}\r\n`;
  const listed = connectionListed(request.connection);
  const { names, lower, values } = request;
  for (let i = 0; i < names.length; i++) {
    const name = lower[i]!;
    if (isWrittenByProxy(name) || hopByHop.has(name) || name.includes("_") || listed?.has(name)) continue;
    head += `${names[i]}: ${values[i]}\r\n`;
  }
  return head;
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
 * What never goes from an upstream's answer to the client as received: hop-by-hop headers, and
 * Content-Length, which the proxy writes itself from the framing it read (so the answer's own
 * Connection list can't remove it while its body still follows).
 */
export function isNotPassedOn(lower: string): boolean {
  return lower === "content-length" || hopByHop.has(lower);
}

/**
 * The header lines of an upstream answer that may go to the client (hop-by-hop ones and
 * Content-Length were left out while parsing), without any the answer's Connection header names, and with Location and
 * cookie paths moved under the route's prefix. Framing headers are the caller's.
 */
export function clientResponseLines(response: ResponseHead, prefix: string, requestHost: string): string {
  const listed = connectionListed(response.connection);
  if (!listed && !prefix) return response.kept;
  let lines = "";
  for (const line of response.kept.split("\r\n")) {
    if (!line) continue;
    const colon = line.indexOf(":");
    const name = line.slice(0, colon).toLowerCase();
    if (listed?.has(name)) continue;
    const value = line.slice(colon + 1).trim();
    const rewritten = !prefix ? undefined : name === "location" ? prefixLocation(value, prefix, requestHost) : name === "set-cookie" ? prefixCookiePath(value, prefix) : undefined;
    lines += rewritten === undefined ? `${line}\r\n` : `${line.slice(0, colon)}: ${rewritten}\r\n`;
  }
  return lines;
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
