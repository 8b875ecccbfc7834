import { UserError } from "../../../shared/errors";
import { webServerNames, type Snippet, type SnippetOptions, type WebServerKind } from "../../../shared/webserver";
import { configPlace, type HostOs } from "../locations";
import { apacheSnippet } from "./apache";
import { caddySnippet } from "./caddy";
import { lighttpdSnippet } from "./lighttpd";
import { nginxSnippet } from "./nginx";

const generators: Record<WebServerKind, (options: SnippetOptions) => string> = {
  nginx: nginxSnippet,
  apache: apacheSnippet,
  caddy: caddySnippet,
  lighttpd: lighttpdSnippet,
};

/** Why a server cannot pass TLS through by name (nginx can, with its stream module). */
const noPassthrough: Record<Exclude<WebServerKind, "nginx">, string> = {
  apache: "Apache cannot hand a TLS connection on by its name (SNI) without terminating it.",
  caddy: "Caddy needs its layer4 module to pass TLS through by name, and Debian's caddy does not include it.",
  lighttpd: "lighttpd cannot choose a backend by the TLS name (SNI) without terminating TLS.",
};

/** The upstream scheme a server can use: lighttpd's mod_proxy has no TLS to backends. */
export function defaultUpstreamScheme(server: WebServerKind): "https" | "http" {
  return server === "lighttpd" ? "http" : "https";
}

/** The snippet, where it goes on `os`, and how to switch it on. Throws a UserError for a way the server cannot do. */
export function generateSnippet(server: WebServerKind, options: SnippetOptions, os: HostOs): Snippet {
  if (options.passthrough && options.mode === "vhost" && server !== "nginx") {
    throw new UserError({ code: "webserver-no-passthrough", field: "passthrough", message: `${noPassthrough[server]} Passthrough is not supported with ${webServerNames[server]}.`, fix: `Let ${webServerNames[server]} terminate TLS (turn passthrough off), or use nginx's stream module.` });
  }
  if (server === "lighttpd" && options.upstreamScheme === "https") {
    throw new UserError({ code: "webserver-no-https-upstream", field: "upstreamScheme", message: "lighttpd's proxy speaks only plain HTTP to its backends.", fix: "Forward to podhost's HTTP port (upstream scheme http)." });
  }
  const place = configPlace(server, options.mode, os, options.domain, options.passthrough && options.mode === "vhost");
  return { server, mode: options.mode, text: generators[server](options), pathHint: place.path, enableSteps: place.enableSteps, notes: notes(server, options) };
}

function notes(server: WebServerKind, options: SnippetOptions): string[] {
  const result: string[] = [];
  if (options.mode === "subpath") result.push("diaspora* cannot live under a sub-path: it always uses the root of its own name, and user IDs are user@host. Give it a (free DDNS) subdomain instead.");
  if (options.mode === "port") result.push(`The pod's address carries the port (https://${options.domain}:${options.podhostHttpsPort}/), and every user ID with it. It can never change after the first start.`);
  if (options.mode === "vhost" && !options.passthrough) {
    result.push(
      server === "caddy" && !options.tls
        ? `Caddy gets and renews the certificate for ${options.domain} itself; challenges it did not start go on to podhost.`
        : `${webServerNames[server]} serves the certificate for ${options.domain}; podhost answers Let's Encrypt's port 80 challenges for that name, so the certificate podhost gets can be the one configured here.`,
    );
  }
  if (options.mode === "vhost" && options.passthrough) result.push("With passthrough, podhost sees every visitor as 127.0.0.1 (login rate limits then count everyone together).");
  if (options.upstreamScheme === "http") result.push("Traffic from this server to podhost stays on this PC, unencrypted on loopback only.");
  return result;
}
