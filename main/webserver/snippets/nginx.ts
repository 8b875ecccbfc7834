import type { SnippetOptions } from "../../../shared/webserver";
import { acmePath, bodyLimitMiB, comment, discoveryPaths, header, httpsOrigin, indent, podhostHttpUrl, portModeInstructions, subpathWarning, tlsPaths, upstreamTimeoutSeconds, upstreamUrl } from "./common";

/** An nginx snippet for a file included inside http { } (or, with passthrough, for the top level). */
export function nginxSnippet(options: SnippetOptions): string {
  const parts = [header("nginx", options)];
  if (options.mode === "port") parts.push(portModeInstructions(options), port80Server(options, false));
  else if (options.mode === "subpath") parts.push(subpathWarning, subpathLocations(options));
  else if (options.passthrough) parts.push(streamPassthrough(options));
  else parts.push(connectionMap, port80Server(options, true), httpsServer(options));
  return `${parts.join("\n\n")}\n`;
}

const connectionMap = `${comment("Upgrade only when the client asks for it (WebSocket: diaspora* has none today, other pod software does).")}
map $http_upgrade $podhost_connection {
    default upgrade;
    ""      "";
}`;

function listens(options: SnippetOptions, port: number, extra = ""): string {
  if (options.listen.address) return `listen ${options.listen.address}:${port}${extra};`;
  return `listen ${port}${extra};\nlisten [::]:${port}${extra};`;
}

/** Replaced, never appended: a client could send its own X-Forwarded-For. */
function proxyHeaders(options: SnippetOptions, upstreamScheme = options.upstreamScheme): string {
  return `${comment("podhost routes by name: pass the name the visitor used, and who they are.")}
proxy_set_header Host $host;
proxy_set_header X-Real-IP $remote_addr;
proxy_set_header X-Forwarded-For $remote_addr;
proxy_set_header X-Forwarded-Proto $scheme;
proxy_set_header X-Forwarded-Host $host;${options.mode === "subpath" ? `\nproxy_set_header X-Forwarded-Prefix ${options.prefix};` : ""}
proxy_set_header Upgrade $http_upgrade;
proxy_set_header Connection $podhost_connection;
proxy_http_version 1.1;${
    upstreamScheme === "https"
      ? `\n${comment("podhost picks its certificate by name (SNI); this loopback hop needs no verification.")}\nproxy_ssl_server_name on;\nproxy_ssl_name $host;`
      : ""
  }
proxy_redirect off;
proxy_read_timeout ${upstreamTimeoutSeconds}s;`;
}

/** Port 80: ACME and discovery to podhost (vhost mode), everything else to HTTPS. */
function port80Server(options: SnippetOptions, withDiscovery: boolean): string {
  const toPodhost = (path: string) => `location ${path} {\n    proxy_pass ${podhostHttpUrl(options)};\n}`;
  const body = [
    `${listens(options, options.listen.http)}\nserver_name ${options.domain};`,
    withDiscovery ? proxyHeaders(options, "http") : "proxy_set_header Host $host;",
    `${comment("Let's Encrypt (HTTP-01) asks here; podhost answers for the certificate it manages.")}\n${toPodhost(acmePath)}`,
    ...(withDiscovery ? [`${comment("Other pods look the pod up here, over http too: never redirect them.")}\n${discoveryPaths.map(toPodhost).join("\n")}`] : []),
    `${comment("Everything else: the pod works over HTTPS only.")}\nlocation / {\n    return 301 ${options.mode === "port" ? httpsOrigin(options, options.podhostHttpsPort) : httpsOrigin(options)}$request_uri;\n}`,
  ];
  return `server {\n${indent(body.join("\n\n"), "    ")}\n}`;
}

function httpsServer(options: SnippetOptions): string {
  const tls = tlsPaths(options);
  const body = [
    `${listens(options, options.listen.https, " ssl")}\nserver_name ${options.domain};\nssl_certificate ${tls.certificate};\nssl_certificate_key ${tls.key};`,
    `${comment("diaspora* takes uploads up to 4 MiB; nginx's default (1M) would refuse photos.")}\nclient_max_body_size ${bodyLimitMiB}M;`,
    proxyHeaders(options),
    `location / {\n    proxy_pass ${upstreamUrl(options)};\n}`,
  ];
  return `server {\n${indent(body.join("\n\n"), "    ")}\n}`;
}

function subpathLocations(options: SnippetOptions): string {
  const location = (path: string, extra = "") => `location ${path} {\n${indent(`proxy_pass ${upstreamUrl(options)};${extra}\n${proxyHeaders(options)}`, "    ")}\n}`;
  return [
    comment("The map goes inside http { }, outside every server { } (once)."),
    connectionMap,
    comment(`The rest goes inside your existing HTTPS server { } for ${options.domain}.`),
    comment("The path goes to podhost as is, prefix included (no URI part after the port)."),
    location(`${options.prefix}/`, `\nclient_max_body_size ${bodyLimitMiB}M;`),
    `location = ${options.prefix} {\n    return 301 ${options.prefix}/;\n}`,
    comment(`Discovery lives at the root of the name: forward it only if nothing else on ${options.domain} answers it.`),
    ...discoveryPaths.map((path) => location(path)),
  ].join("\n");
}

/** SNI passthrough: podhost holds the certificate and gets the TLS connection untouched. */
function streamPassthrough(options: SnippetOptions): string {
  const upstream = `127.0.0.1:${options.podhostHttpsPort}`;
  const body = `map $ssl_preread_server_name $podhost_tls_upstream {
    ${options.domain} ${upstream};
    default 127.0.0.1:${options.listen.ownHttpsPort};
}

server {
${indent(listens(options, options.listen.https), "    ")}
    ssl_preread on;
    proxy_pass $podhost_tls_upstream;
}`;
  return [
    comment(
      "This goes at the top level of nginx.conf, beside http { } (never inside it), and needs the stream module.",
      `Connections for ${options.domain} go to podhost untouched (podhost holds the certificate and gets it`,
      `by TLS-ALPN-01); every other name goes to your own HTTPS sites: change their "listen 443 ssl" to`,
      `"listen 127.0.0.1:${options.listen.ownHttpsPort} ssl". podhost then sees 127.0.0.1 as every visitor's address.`,
    ),
    `stream {\n${indent(body, "    ")}\n}`,
  ].join("\n");
}
