import * as z from "zod";
import { hostname } from "./schema-helpers";

/**
 * Settings > Network > "I already run a web server on this PC": the user's own server keeps
 * 80/443 and forwards the pod's traffic to podhost's proxy. The daemon generates the snippets
 * and runs the check; the UI and the CLI only show these shapes.
 */
export const webServerKinds = ["nginx", "apache", "caddy", "lighttpd"] as const;
export type WebServerKind = (typeof webServerKinds)[number];

/** How the user's server and podhost share the PC (see the issue "Existing web server"). */
export const webServerModes = ["vhost", "port", "subpath"] as const;
export type WebServerMode = (typeof webServerModes)[number];

export const webServerNames: Record<WebServerKind, string> = { nginx: "nginx", apache: "Apache", caddy: "Caddy", lighttpd: "lighttpd" };

/** Everything a snippet depends on; the generators are pure functions of it. */
export interface SnippetOptions {
  mode: WebServerMode;
  /** The pod's name (vhost, port), or the user's existing site that gets the prefix (subpath). */
  domain: string;
  podhostHttpsPort: number;
  podhostHttpPort: number;
  /** How the user's server talks to podhost: to its HTTPS port (default) or its HTTP port. */
  upstreamScheme: "https" | "http";
  /** subpath mode only: like "/pod" (leading slash, no trailing slash). */
  prefix: string;
  /** The user's server's certificate for `domain`; Caddy without it gets its own (automatic HTTPS). */
  tls?: { certificate: string; key: string };
  /** vhost mode: hand the TLS connection to podhost untouched, chosen by SNI (nginx stream only). */
  passthrough: boolean;
  /**
   * The user's server's public ports (80, 443), the address to bind (undefined: every address, IPv4
   * and IPv6), and, with passthrough, the loopback port its own HTTPS sites move to.
   */
  listen: { http: number; https: number; address?: string; ownHttpsPort: number };
}

/** What the user pastes, where it goes on this OS, and how to switch it on. */
export interface Snippet {
  server: WebServerKind;
  mode: WebServerMode;
  text: string;
  /** Where the text goes, e.g. /etc/nginx/sites-available/podhost. */
  pathHint: string;
  /** Commands or steps, in order: enable, test the config, reload. */
  enableSteps: string[];
  /** Plain sentences to show next to the snippet (why a way fits or does not). */
  notes: string[];
}

export type DetectedServer = WebServerKind | "unknown";

export interface PortHolder {
  port: number;
  pid?: number;
  /** The process name (/proc/<pid>/comm). */
  command?: string;
  server: DetectedServer;
}

export interface WebServerDetection {
  /** Who listens on 80/443; empty when nothing does. */
  holders: PortHolder[];
  /** The server to generate for: the one holding 443 (else 80), or undefined when the ports are free. */
  server?: DetectedServer;
  /** One plain sentence for the UI. */
  message: string;
}

export interface CheckDifference {
  /** The request path, like "/.well-known/nodeinfo" (with "http:" in front for the port 80 checks). */
  path: string;
  message: string;
}

export interface CheckResult {
  ok: boolean;
  differences: CheckDifference[];
  /** What was compared (one line each), so a success says what it proved. */
  checked: string[];
}

const mode = z.enum(webServerModes, { error: `mode must be one of: ${webServerModes.join(", ")}.` });
const prefixPattern = /^\/[A-Za-z0-9._~-]+(\/[A-Za-z0-9._~-]+)*$/;
const prefix = (what: string) => z.string().max(256, `${what} can be at most 256 characters long.`).regex(prefixPattern, `${what} must start with / and hold letters, digits, . _ ~ - (like /pod).`);

/** Params of the control API command `webserver.snippet` (the lead adds it to shared/api.ts). */
export const webServerSnippetParams = z
  .object({
    server: z.enum(webServerKinds, { error: `server must be one of: ${webServerKinds.join(", ")}.` }),
    mode: mode.default("vhost"),
    /** Default: the pod's domain from settings; in subpath mode, the existing site's name. */
    domain: hostname("domain").optional(),
    prefix: prefix("prefix").optional(),
    passthrough: z.boolean().optional(),
    upstreamScheme: z.enum(["https", "http"]).optional(),
    certificate: z.string().min(1).optional(),
    key: z.string().min(1).optional(),
  })
  .strict();
export type WebServerSnippetParams = z.input<typeof webServerSnippetParams>;

/** Params of the control API command `webserver.check`. */
export const webServerCheckParams = z
  .object({
    url: z.url({ protocol: /^https?$/, error: "url must be an http(s) address like https://pod.example.org/." }),
    /** Connect here instead of resolving the name (like curl --resolve); 127.0.0.1 checks the server on this PC. */
    connectTo: z.string().min(1).optional(),
  })
  .strict();
export type WebServerCheckParams = z.input<typeof webServerCheckParams>;

/**
 * Settings > Network > "I already run a web server on this PC" (for the lead to add to
 * settingsSchema as `webserver`): the way chosen, so the UI, the CLI and the proxy agree on it.
 */
export const webServerSettings = z.object({
  enabled: z.boolean().default(false).describe("I already run a web server on this PC: it keeps ports 80 and 443 and forwards the pod to podhost."),
  server: z.enum(["auto", ...webServerKinds], { error: `webserver.server must be one of: auto, ${webServerKinds.join(", ")}.` }).default("auto").describe("Which server the snippet is for; auto uses the one holding ports 80/443."),
  mode: z.enum(webServerModes, { error: `webserver.mode must be one of: ${webServerModes.join(", ")}.` }).default("vhost").describe("vhost: the pod's own name (recommended for diaspora*); port: podhost's own public port; subpath: a prefix (not for diaspora*)."),
  prefix: prefix("webserver.prefix").default("/pod").describe("The path prefix in subpath mode."),
  passthrough: z.boolean().default(false).describe("vhost mode with nginx: pass TLS through by name (podhost keeps the certificate) instead of terminating it in nginx."),
});
export type WebServerSettings = z.infer<typeof webServerSettings>;
