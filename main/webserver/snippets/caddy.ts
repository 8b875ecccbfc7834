import type { SnippetOptions } from "../../../shared/webserver";
import { acmePath, bodyLimitMiB, comment, discoveryPaths, header, httpsOrigin, indent, podhostHttpUrl, portModeInstructions, subpathWarning, upstreamUrl } from "./common";

/** A Caddyfile snippet (Caddy 2.6+; Debian's caddy has no layer4 module, hence no passthrough). */
export function caddySnippet(options: SnippetOptions): string {
  const parts = [header("caddy", options)];
  if (options.mode === "port") parts.push(portModeInstructions(options), port80Site(options, false));
  else if (options.mode === "subpath") parts.push(subpathWarning, subpathLines(options));
  else parts.push(httpsSite(options), port80Site(options, true));
  return `${parts.join("\n\n")}\n`;
}

function block(head: string, body: string): string {
  return `${head} {\n${indent(body, "\t")}\n}`;
}

function siteAddress(options: SnippetOptions, scheme: "http" | "https", port: number): string {
  const standard = scheme === "http" ? 80 : 443;
  return `${scheme === "http" ? "http://" : ""}${options.domain}${port === standard ? "" : `:${port}`}`;
}

function bind(options: SnippetOptions): string[] {
  return options.listen.address ? [`bind ${options.listen.address}`] : [];
}

/** Caddy passes the Host and writes X-Forwarded-For/-Proto/-Host itself, ignoring what clients send. */
function reverseProxy(options: SnippetOptions, prefix?: string): string {
  const lines = ["header_up X-Real-IP {remote_host}", ...(prefix ? [`header_up X-Forwarded-Prefix ${prefix}`] : [])];
  if (options.upstreamScheme === "https") {
    lines.push(
      comment("podhost picks its certificate by name (SNI); this loopback hop needs no verification."),
      block("transport http", `tls_server_name ${options.domain}\ntls_insecure_skip_verify`),
    );
  }
  return block(`reverse_proxy ${upstreamUrl(options)}`, lines.join("\n"));
}

const bodyLimit = `${comment("diaspora* takes uploads up to 4 MiB.")}\n${block("request_body", `max_size ${bodyLimitMiB}MB`)}`;

function httpsSite(options: SnippetOptions): string {
  const tls = options.tls
    ? `tls ${options.tls.certificate} ${options.tls.key}`
    : comment(`Caddy gets and renews the certificate for ${options.domain} itself (automatic HTTPS).`);
  const body = [...bind(options), tls, "", bodyLimit, "", comment("WebSocket upgrades pass through on their own."), reverseProxy(options)];
  return block(siteAddress(options, "https", options.listen.https), body.join("\n"));
}

function port80Site(options: SnippetOptions, withDiscovery: boolean): string {
  const paths = [`${acmePath}*`, ...(withDiscovery ? discoveryPaths.map((path) => (path.endsWith("/") ? `${path}*` : path)) : [])];
  const target = options.mode === "port" ? httpsOrigin(options, options.podhostHttpsPort) : httpsOrigin(options);
  const body = [
    ...bind(options),
    comment(
      "Caddy answers its own ACME challenges first; the others are podhost's.",
      ...(withDiscovery ? ["Other pods look the pod up here, over http too: never redirect them."] : []),
    ),
    `@podhost path ${paths.join(" ")}`,
    block("handle @podhost", `reverse_proxy ${podhostHttpUrl(options)}`),
    comment("Everything else: the pod works over HTTPS only."),
    block("handle", `redir ${target}{uri} permanent`),
  ];
  return block(siteAddress(options, "http", options.listen.http), body.join("\n"));
}

function subpathLines(options: SnippetOptions): string {
  const discovery = discoveryPaths.map((path) => (path.endsWith("/") ? `${path}*` : path));
  return [
    comment(`Put these lines inside your existing site block for ${options.domain}.`, "The path goes to podhost as is, prefix included."),
    `redir ${options.prefix} ${options.prefix}/ permanent`,
    block(`handle ${options.prefix}/*`, `${bodyLimit}\n${reverseProxy(options, options.prefix)}`),
    comment(`Discovery lives at the root of the name: forward it only if nothing else on ${options.domain} answers it.`),
    `@podhost_discovery path ${discovery.join(" ")}`,
    block("handle @podhost_discovery", reverseProxy(options)),
  ].join("\n");
}
