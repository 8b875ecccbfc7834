import type { SnippetOptions } from "../../../shared/webserver";
import { acmePath, bodyLimitMiB, comment, discoveryPaths, header, httpsOrigin, indent, podhostHttpUrl, port80ForwardRegex, portModeInstructions, subpathWarning, tlsPaths, upstreamTimeoutSeconds, upstreamUrl } from "./common";

/**
 * An Apache 2.4.47+ snippet (for `upgrade=websocket`). Modules: proxy proxy_http proxy_wstunnel
 * headers ssl rewrite.
 */
export function apacheSnippet(options: SnippetOptions): string {
  const parts = [header("apache", options)];
  if (options.mode === "port") parts.push(portModeInstructions(options), port80Host(options, false));
  else if (options.mode === "subpath") parts.push(subpathWarning, subpathLines(options));
  else parts.push(port80Host(options, true), httpsHost(options));
  return `${parts.join("\n\n")}\n`;
}

function virtualHost(options: SnippetOptions, port: number, body: string): string {
  const address = options.listen.address ?? "*";
  return `<VirtualHost ${address}:${port}>\n${indent(body, "    ")}\n</VirtualHost>`;
}

/** mod_proxy appends to X-Forwarded-For/-Host: drop what the client sent first, so only ours arrive. */
function proxyHeaders(scheme: "http" | "https", prefix?: string): string {
  return `${comment("podhost routes by name: keep the visitor's Host, and say who they are.")}
ProxyPreserveHost On
RequestHeader unset X-Forwarded-For
RequestHeader unset X-Forwarded-Host
RequestHeader unset X-Forwarded-Server
RequestHeader set X-Real-IP "%{REMOTE_ADDR}s"
RequestHeader set X-Forwarded-Proto "${scheme}"${prefix ? `\nRequestHeader set X-Forwarded-Prefix "${prefix}"` : ""}`;
}

/** Virtual host level only (not allowed inside <Location>). */
function sslProxy(options: SnippetOptions): string[] {
  if (options.upstreamScheme !== "https") return [];
  return [`${comment("podhost picks its certificate by name (SNI); this loopback hop needs no verification.")}\nSSLProxyEngine On\nSSLProxyVerify none\nSSLProxyCheckPeerName off\nSSLProxyCheckPeerExpire off`];
}

function port80Host(options: SnippetOptions, withDiscovery: boolean): string {
  const forward = (path: string) => `ProxyPass ${path} ${podhostHttpUrl(options)}${path}`;
  const target = options.mode === "port" ? httpsOrigin(options, options.podhostHttpsPort) : httpsOrigin(options);
  const body = [
    `ServerName ${options.domain}`,
    withDiscovery ? proxyHeaders("http") : "ProxyPreserveHost On",
    `${comment("Let's Encrypt (HTTP-01) asks here; podhost answers for the certificate it manages.")}\n${forward(acmePath)}`,
    ...(withDiscovery ? [`${comment("Other pods look the pod up here, over http too: never redirect them.")}\n${discoveryPaths.map(forward).join("\n")}`] : []),
    `${comment("Everything else: the pod works over HTTPS only.")}
RewriteEngine On
RewriteCond %{REQUEST_URI} !${withDiscovery ? port80ForwardRegex : `^${acmePath}`}
RewriteRule ^ ${target}%{REQUEST_URI} [R=301,L]`,
  ];
  return virtualHost(options, options.listen.http, body.join("\n\n"));
}

/** LimitRequestBody does not apply to proxied requests (measured with 2.4.71): refuse by Content-Length. */
function bodyLimit(pathPattern: string): string {
  return `${comment("diaspora* takes uploads up to 4 MiB; Apache's LimitRequestBody does not cover proxied requests.")}
RewriteEngine On
RewriteCond %{HTTP:Content-Length} -gt${bodyLimitMiB * 1024 * 1024}
RewriteRule ${pathPattern} - [R=413,L]`;
}

function httpsHost(options: SnippetOptions): string {
  const tls = tlsPaths(options);
  const body = [
    `ServerName ${options.domain}\nSSLEngine on\nSSLCertificateFile ${tls.certificate}\nSSLCertificateKeyFile ${tls.key}`,
    bodyLimit("^"),
    proxyHeaders("https"),
    ...sslProxy(options),
    `${comment("upgrade=websocket passes WebSocket upgrades (diaspora* has none today, other pod software does).")}\nProxyPass / ${upstreamUrl(options)}/ upgrade=websocket timeout=${upstreamTimeoutSeconds}`,
  ];
  return virtualHost(options, options.listen.https, body.join("\n\n"));
}

function subpathLines(options: SnippetOptions): string {
  const upstream = upstreamUrl(options);
  const discovery = port80ForwardRegex.replace("acme-challenge/|", "");
  return [
    comment(`Put these lines inside your existing <VirtualHost *:443> for ${options.domain}.`),
    ...sslProxy(options),
    comment("The path goes to podhost as is, prefix included."),
    `<Location "${options.prefix}/">\n${indent(`${proxyHeaders("https", options.prefix)}\nProxyPass ${upstream}${options.prefix}/ upgrade=websocket timeout=${upstreamTimeoutSeconds}`, "    ")}\n</Location>`,
    bodyLimit(`^${options.prefix}/`),
    `RewriteRule ^${options.prefix}$ ${options.prefix}/ [R=301,L]`,
    comment(`Discovery lives at the root of the name: forward it only if nothing else on ${options.domain} answers it.`),
    `<LocationMatch "${discovery}">\n${indent(proxyHeaders("https"), "    ")}\n</LocationMatch>`,
    `ProxyPassMatch "${discovery}(.*)$" "${upstream}/$1$3"`,
  ].join("\n");
}
