import { randomBytes } from "node:crypto";
import type { CheckDifference, CheckResult, DetectedServer, WebServerMode } from "../../shared/webserver";
import { webServerNames } from "../../shared/webserver";
import { fetchAnswer, type Answer, type FetchOptions } from "./fetch";

export interface CheckOptions {
  /** The pod's address through the user's server: https://pod.example.org/ (subpath: https://example.org/pod/). */
  url: string;
  /** The same server's plain-HTTP side; default http://<name>/ (port 80). */
  httpUrl?: string;
  mode?: WebServerMode;
  /** podhost's own listeners: the pod's answers come from there. */
  podhost: { httpsPort: number; httpPort: number; address?: string };
  /** Names the server in messages ("through nginx"). */
  server?: DetectedServer;
  /** Connect to this address for the user's server instead of resolving its name (127.0.0.1: this PC). */
  connectTo?: string;
  /** Extra CA certificates (PEM) to trust for the user's server. */
  ca?: string;
  /** A pod path that answers with the request headers as JSON (the stand-in pod's /echo-headers); diaspora* has none. */
  echoPath?: string;
}

type Outcome = Answer | Error;

/** How each server calls the piece of config that forwards one path. */
const ruleName: Record<DetectedServer, string> = {
  nginx: "location block",
  apache: "ProxyPass line",
  caddy: "path in the @podhost matcher",
  lighttpd: '$HTTP["url"] rule',
  unknown: "forwarding rule",
};

/**
 * Requests the discovery paths, a page and an ACME token through the user's server and directly
 * from podhost, and says exactly what differs.
 */
export async function checkWebServer(options: CheckOptions): Promise<CheckResult> {
  const url = new URL(options.url);
  const mode = options.mode ?? "vhost";
  const name = options.server && options.server !== "unknown" ? webServerNames[options.server] : "your web server";
  const rule = ruleName[options.server ?? "unknown"];
  const podAddress = options.podhost.address ?? "127.0.0.1";
  const viaServer: FetchOptions = { ...(options.connectTo ? { connectTo: options.connectTo } : {}), ...(options.ca ? { ca: options.ca } : {}) };
  // podhost's own listener on loopback: its certificate is checked where visitors meet it, not here.
  const viaPodhost: FetchOptions = { connectTo: podAddress, insecure: true };
  const podOrigin = (scheme: "https" | "http") => new URL(`${scheme}://${url.hostname}:${scheme === "https" ? options.podhost.httpsPort : options.podhost.httpPort}`);
  const httpOrigin = new URL(options.httpUrl ?? `http://${url.hostname}/`);

  const differences: CheckDifference[] = [];
  const checked: string[] = [];
  const compare = async (path: string, side: "https" | "http", exact: boolean) => {
    const label = side === "http" ? `${path} over http` : path;
    const [through, pod] = await Promise.all([
      get(new URL(path, side === "https" ? url.origin : httpOrigin.origin), viaServer),
      get(new URL(path, podOrigin(side)), viaPodhost),
    ]);
    const message = describeDifference({ label, through, pod, exact, name, rule, side, podhostPort: side === "https" ? options.podhost.httpsPort : options.podhost.httpPort });
    return { through, pod, label, message };
  };
  /** Compared in parallel, reported in the order asked. */
  const compareAll = async (paths: string[], side: "https" | "http", exact: boolean) => {
    for (const { label, message } of await Promise.all(paths.map((path) => compare(path, side, exact)))) {
      checked.push(`${label}: ${name}'s answer compared with podhost's`);
      if (message) differences.push({ path: label, message });
    }
  };

  const discovery = ["/.well-known/host-meta", "/.well-known/nodeinfo", `/.well-known/webfinger?resource=${encodeURIComponent(`acct:podhost-check@${url.hostname}`)}`];
  const first = await compare("/.well-known/nodeinfo", "https", true);
  checked.push(`${first.label}: ${name}'s answer compared with podhost's`);
  if (first.message) differences.push({ path: first.label, message: first.message });
  // Nothing answers at all: one sentence says it; the other paths would only repeat it.
  if (first.through instanceof Error || first.pod instanceof Error) return { ok: false, differences, checked };
  const more = nodeinfoPaths(first.pod, url.hostname);
  await compareAll([...discovery.filter((p) => p !== "/.well-known/nodeinfo"), ...more], "https", true);
  await compareAll([url.pathname], "https", false);

  if (mode === "vhost") await compareAll([...discovery, ...more], "http", true);
  if (mode !== "subpath") {
    await compareAll([`/.well-known/acme-challenge/podhost-check-${randomBytes(8).toString("hex")}`], "http", true);
    const home = await get(new URL("/", httpOrigin.origin), viaServer);
    checked.push("/ over http: redirected to https?");
    if (!(home instanceof Error) && !(home.status >= 300 && home.status < 400 && String(home.headers.location ?? "").startsWith("https://"))) {
      differences.push({ path: "/ over http", message: `/ over http through ${name} returns ${home.status} instead of a redirect to https: the pod works over HTTPS only, so the port 80 part should redirect everything but the ACME and discovery paths.` });
    }
  }
  if (options.echoPath) {
    differences.push(...(await forwardedHeaders(new URL(options.echoPath, url.origin), url.hostname, viaServer, name)));
    checked.push("forwarded headers: what the pod receives");
  }
  return { ok: differences.length === 0, differences, checked };
}

async function get(url: URL, options: FetchOptions): Promise<Outcome> {
  return fetchAnswer(url, options).catch((error: unknown) => (error instanceof Error ? error : new Error(String(error))));
}

/** The nodeinfo documents the pod links to (on its own name only). */
function nodeinfoPaths(answer: Outcome, hostname: string): string[] {
  if (answer instanceof Error || answer.status !== 200) return [];
  try {
    const links = (JSON.parse(answer.body) as { links?: { href?: string }[] }).links ?? [];
    return links.map((link) => new URL(link.href ?? "", `https://${hostname}`)).filter((href) => href.hostname === hostname).map((href) => href.pathname);
  } catch {
    return [];
  }
}

interface Comparison {
  label: string;
  through: Outcome;
  pod: Outcome;
  /** Discovery answers must be the pod's byte for byte; a page only needs the same status. */
  exact: boolean;
  name: string;
  rule: string;
  side: "https" | "http";
  podhostPort: number;
}

/** One sentence naming what differs and the likely cause, or undefined when both agree. */
export function describeDifference({ label, through, pod, exact, name, rule, side, podhostPort }: Comparison): string | undefined {
  if (pod instanceof Error) return `podhost itself does not answer ${label} (${pod.message}): start the pod, then check again.`;
  if (through instanceof Error) return `${label} through ${name} fails: ${explainError(through, name)}`;
  const returns = `${label} through ${name} returns ${through.status}`;
  if (through.status !== pod.status) {
    const podSays = `; the pod answers ${pod.status}`;
    if (through.status === 404) return `${returns}: the ${rule} for it is missing${side === "http" ? " in the port 80 part" : ""}${podSays}.`;
    if (through.status >= 300 && through.status < 400) return `${returns} (a redirect to ${through.headers.location ?? "?"})${podSays}: the ${rule} for it is missing${side === "http" ? " in the port 80 part, so the redirect to https catches it" : ""}.`;
    if (through.status === 502 || through.status === 503 || through.status === 504) return `${returns}: ${name} cannot reach podhost on port ${podhostPort}. Is podhost running, and does the snippet name port ${podhostPort}?`;
    if (through.status === 421) return `${returns}: podhost does not know the name ${name} passed on. ${name} must pass the visitor's Host header (the pod's name).`;
    return `${returns}${podSays}.`;
  }
  if (!exact) {
    const [a, b] = [through.headers.location, pod.headers.location];
    return a === b ? undefined : `${returns} like the pod, but redirects to ${a ?? "nowhere"} instead of ${b ?? "nowhere"}.`;
  }
  if (through.body !== pod.body) return `${returns} like the pod, but with a different answer: something other than podhost answers it (another ${rule} in ${name} catches it first?).`;
  return undefined;
}

function explainError(error: Error, name: string): string {
  const code = (error as NodeJS.ErrnoException).code ?? "";
  if (code === "ECONNREFUSED") return `nothing listens there (${error.message}). Is ${name} running, and listening on that port?`;
  if (code === "ENOTFOUND" || code === "EAI_AGAIN") return `the name does not resolve (${error.message}). Check the domain and its DNS record.`;
  if (/CERT|SELF_SIGNED|ALTNAME|UNABLE_TO/.test(code)) return `the certificate ${name} sends is not trusted (${error.message}). Other pods refuse it too: use a Let's Encrypt certificate for the pod's name.`;
  return error.message;
}

/** What the pod receives through the user's server: the visitor's name, scheme and address. */
async function forwardedHeaders(echoUrl: URL, hostname: string, options: FetchOptions, name: string): Promise<CheckDifference[]> {
  const path = echoUrl.pathname;
  const answer = await get(echoUrl, options);
  if (answer instanceof Error || answer.status !== 200) return [{ path, message: `${path} through ${name} ${answer instanceof Error ? `fails: ${answer.message}` : `returns ${answer.status}`}, so the forwarded headers could not be checked.` }];
  const headers = JSON.parse(answer.body) as Record<string, string | undefined>;
  const withoutPort = (value: string | undefined) => value?.replace(/:\d+$/, "");
  const problems: string[] = [];
  if (withoutPort(headers.host) !== hostname) problems.push(`Host is "${headers.host ?? ""}", not ${hostname} (podhost routes by name)`);
  if (headers["x-forwarded-proto"] !== "https" && !/proto=https/i.test(headers.forwarded ?? "")) problems.push(`X-Forwarded-Proto is "${headers["x-forwarded-proto"] ?? ""}", not https (diaspora* then redirects every request)`);
  if (!headers["x-forwarded-for"] && !/for=/i.test(headers.forwarded ?? "")) problems.push("X-Forwarded-For is missing (login rate limits then count every visitor as one)");
  const hostHeader = withoutPort(headers["x-forwarded-host"]);
  if (hostHeader !== undefined && hostHeader !== hostname) problems.push(`X-Forwarded-Host is "${headers["x-forwarded-host"]}", not ${hostname}`);
  return problems.map((problem) => ({ path, message: `Through ${name}, the pod receives: ${problem}.` }));
}
