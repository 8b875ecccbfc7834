import * as z from "zod";
import { hostname, listOf, port, text } from "./schema-helpers";
import type { ServiceStatus } from "./service-status";

/** Where a route or passthrough name forwards to: "host:port", "[v6]:port" or "unix:/path/to.sock". */
export type UpstreamAddress = { host: string; port: number } | { socketPath: string };

/** Parse an upstream address a user typed; undefined when it is not one. */
export function parseUpstream(text: string, allowUnix = true): UpstreamAddress | undefined {
  const value = text.trim();
  if (allowUnix && value.startsWith("unix:/")) return { socketPath: value.slice(5) };
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([A-Za-z0-9.-]+)):(\d{1,5})$/.exec(value);
  const portNumber = Number(match?.[3]);
  if (!match || portNumber < 1 || portNumber > 65535) return undefined;
  return { host: (match[1] ?? match[2])!.toLowerCase(), port: portNumber };
}

const upstream = (what: string, allowUnix: boolean) =>
  z
    .string({ error: `${what} is required.` })
    .max(4096, `${what} can be at most 4096 characters long.`)
    .trim()
    .refine((v) => parseUpstream(v, allowUnix) !== undefined, allowUnix ? `${what} must be host:port (like 192.168.1.20:8080) or unix:/path/to/app.sock.` : `${what} must be host:port, like 192.168.1.20:443.`);

const prefix = text("proxy.routes[].prefix", 1024)
  .trim()
  .default("")
  .refine((v) => v === "" || /^(\/[A-Za-z0-9._~-]+)+$/.test(v), 'proxy.routes[].prefix is empty (the whole host) or a path like "/blog" (no trailing slash).')
  .refine((v) => !v.split("/").some((s) => s === "." || s === ".."), "proxy.routes[].prefix cannot contain . or .. segments.");

export const proxyRoute = z.object({
  host: hostname("proxy.routes[].host").describe("The host name this route answers, e.g. nas.example.org (or the pod's domain with a prefix)."),
  prefix: prefix.describe('A path prefix like "/blog", stripped before forwarding; empty for the whole host.'),
  upstream: upstream("proxy.routes[].upstream", true).describe("Where to forward: host:port (another machine on the LAN too) or unix:/path."),
}).strict();
export type ProxyRoute = z.infer<typeof proxyRoute>;

export const passthroughRoute = z.object({
  host: hostname("proxy.passthrough[].host").describe("The TLS server name forwarded untouched (podhost does not decrypt it)."),
  upstream: upstream("proxy.passthrough[].upstream", false).describe("The TLS server it goes to, host:port."),
}).strict();
export type PassthroughRouteSetting = z.infer<typeof passthroughRoute>;

/** Settings > Network: the built-in reverse proxy. */
export const proxySettings = z.object({
  httpsPort: port("proxy.httpsPort").default(8443).describe("The HTTPS port podhost listens on (443 on a dedicated machine)."),
  httpPort: port("proxy.httpPort").default(8080).describe("The HTTP port: ACME challenges, discovery paths, redirects to HTTPS (80 on a dedicated machine)."),
  redirectToHttps: z.boolean({ error: "proxy.redirectToHttps is true or false." }).default(true).describe("Send plain-HTTP visitors to HTTPS (ACME and discovery paths are always answered on HTTP)."),
  aliases: listOf(hostname("proxy.aliases[]"), "proxy.aliases", 99, "host names").default([]).describe('Other names for the pod, like "www.pod.example.org" (a JSON list).'),
  aliasesRedirect: z.boolean({ error: "proxy.aliasesRedirect is true or false." }).default(true).describe("Aliases answer with a permanent redirect to the domain (true) or serve the pod under their own name (false)."),
  routes: listOf(proxyRoute, "proxy.routes", 100, "{host, prefix, upstream}").default([]).describe('Other sites behind podhost: a list of {"host", "prefix", "upstream"}.'),
  passthrough: listOf(passthroughRoute, "proxy.passthrough", 100, "{host, upstream}").default([]).describe('TLS names passed through undecrypted to another machine: a list of {"host", "upstream"}.'),
  maxBodyMiB: z.number({ error: "proxy.maxBodyMiB must be a number of MiB from 1 to 1024." }).min(1, "proxy.maxBodyMiB must be from 1 to 1024.").max(1024, "proxy.maxBodyMiB must be from 1 to 1024.").default(5).describe("The largest upload the proxy accepts, in MiB (diaspora* expects 5)."),
  workers: z
    .number({ error: "proxy.workers must be a whole number from 1 to 16." })
    .int("proxy.workers must be a whole number from 1 to 16.")
    .min(1, "proxy.workers must be from 1 to 16.")
    .max(16, "proxy.workers must be from 1 to 16.")
    .default(1)
    .describe("Processes serving the proxy ports: 1 (the default) serves inside podhost's own process; more use more CPU cores for busy pods, at about 75 MB of memory each."),
  serveStatic: z.boolean({ error: "proxy.serveStatic is true or false." }).default(true).describe("diaspora*: serve files from the pod's public/ folder directly, as its nginx setup does."),
});
export type ProxySettings = z.infer<typeof proxySettings>;

export type ProxyState = "stopped" | "starting" | "running" | "failed";

export interface ProxyListenerStatus {
  proto: "http" | "https";
  port: number;
  state: "listening" | "failed" | "stopped";
  /** Why it is not listening, in plain words. */
  problem?: string;
}

export interface ProxyRouteStatus {
  /** "pod": the pod itself; "alias": redirects to the domain; "route": an extra route; "passthrough": TLS forwarded untouched. */
  kind: "pod" | "alias" | "route" | "passthrough";
  host: string;
  prefix: string;
  /** "127.0.0.1:3000", "unix:/path", or for an alias the name it redirects to. */
  target: string;
}

export interface ProxyStatus extends ServiceStatus {
  state: ProxyState;
  listeners?: ProxyListenerStatus[];
  routes?: ProxyRouteStatus[];
  requestsPerSecond?: number;
  requests?: number;
  openConnections?: number;
  upstreamErrors?: number;
  /** How many processes serve the ports (1: inside podhost's own). */
  workers?: number;
  /** The last few upstream problems, newest last. */
  lastErrors?: { time: number; text: string }[];
}
