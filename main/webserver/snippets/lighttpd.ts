import type { SnippetOptions } from "../../../shared/webserver";
import { acmePath, bodyLimitMiB, comment, header, httpsOrigin, indent, port80ForwardRegex, portModeInstructions, subpathWarning, tlsPaths } from "./common";

/**
 * A lighttpd 1.4.46+ snippet. lighttpd's mod_proxy speaks plain HTTP to its backends, so it
 * always forwards to podhost's HTTP port (with X-Forwarded-Proto saying the visitor used https).
 */
export function lighttpdSnippet(options: SnippetOptions): string {
  const modules = '"mod_proxy", "mod_redirect", "mod_setenv"';
  const parts = [header("lighttpd", options)];
  if (options.mode === "port") parts.push(portModeInstructions(options));
  if (options.mode === "subpath") parts.push(subpathWarning);
  parts.push(`server.modules += ( ${modules} )`);
  if (options.mode === "port") parts.push(hostBlock(options, port80Block(options, `^${escapeRegex(acmePath)}`)));
  else if (options.mode === "subpath") parts.push(hostBlock(options, subpathBlock(options)));
  else parts.push(hostBlock(options, `${certificate(options)}\n\n${httpsBlock(options)}\nelse ${port80Block(options, port80ForwardRegex)}`));
  return `${parts.join("\n\n")}\n`;
}

function escapeRegex(text: string): string {
  return text.replace(/[.]/g, "\\.");
}

function block(head: string, body: string): string {
  return `${head} {\n${indent(body, "    ")}\n}`;
}

function hostBlock(options: SnippetOptions, body: string): string {
  return block(`$HTTP["host"] == "${options.domain}"`, body);
}

const podhost = (options: SnippetOptions) => `proxy.server = ( "" => ( ( "host" => "127.0.0.1", "port" => ${options.podhostHttpPort} ) ) )`;

/** mod_proxy appends to a client's X-Forwarded-For and cannot write X-Real-IP: drop what the client sent. */
const dropClientHeaders = 'setenv.set-request-header = ( "X-Forwarded-For" => "", "X-Forwarded-Host" => "", "X-Real-IP" => "" )';

function proxyLines(options: SnippetOptions): string {
  return `${podhost(options)}
${comment("Forwarded carries the visitor's address, scheme and host; \"upgrade\" passes WebSocket.")}
proxy.forwarded = ( "for" => 1, "proto" => 1, "host" => 1 )
${comment("lighttpd appends to what a client sent: drop it first (an empty value removes the header).")}
${dropClientHeaders}
proxy.header = ( "upgrade" => "enable" )
${comment("diaspora* takes uploads up to 4 MiB (the unit is KiB).")}
server.max-request-size = ${bodyLimitMiB * 1024}`;
}

function certificate(options: SnippetOptions): string {
  const tls = tlsPaths(options);
  return `${comment(`The certificate for ${options.domain}, picked by name (SNI) on your HTTPS socket.`)}\nssl.pemfile = "${tls.certificate}"\nssl.privkey = "${tls.key}"`;
}

function httpsBlock(options: SnippetOptions): string {
  return block('$HTTP["scheme"] == "https"', proxyLines(options));
}

/** Port 80: ACME (and in vhost mode discovery) to podhost, everything else to HTTPS. */
function port80Block(options: SnippetOptions, forwardRegex: string): string {
  const target = options.mode === "port" ? httpsOrigin(options, options.podhostHttpsPort) : httpsOrigin(options);
  const body = `${comment("Let's Encrypt (HTTP-01) and other pods' lookups go to podhost, never redirected.")}
${block(`$HTTP["url"] =~ "${forwardRegex}"`, `${podhost(options)}\nproxy.forwarded = ( "for" => 1, "proto" => 1, "host" => 1 )\n${dropClientHeaders}`)}
else {
    ${comment("Everything else: the pod works over HTTPS only.")}
    url.redirect = ( "" => "${target}\${url.path}\${qsa}" )
}`;
  return block('$HTTP["scheme"] == "http"', body);
}

function subpathBlock(options: SnippetOptions): string {
  const prefix = escapeRegex(options.prefix);
  const discovery = port80ForwardRegex.replace("acme-challenge/|", "");
  const body = `${comment("The path goes to podhost as is, prefix included.")}
${block(`$HTTP["url"] =~ "^${prefix}/"`, `${proxyLines(options)}\nsetenv.add-request-header = ( "X-Forwarded-Prefix" => "${options.prefix}" )`)}
else ${block(`$HTTP["url"] == "${options.prefix}"`, `url.redirect = ( "" => "${options.prefix}/" )`)}
${comment(`Discovery lives at the root of the name: forward it only if nothing else on ${options.domain} answers it.`)}
else ${block(`$HTTP["url"] =~ "${discovery}"`, proxyLines(options))}`;
  return `${comment(`Add this beside your site for ${options.domain}; it only acts on the prefix and the discovery paths.`)}\n${block('$HTTP["scheme"] == "https"', body)}`;
}
