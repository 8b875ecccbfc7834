import { UserError } from "../../shared/errors";
import type { Settings } from "../../shared/settings";
import {
  webServerCheckParams,
  webServerSnippetParams,
  type CheckResult,
  type Snippet,
  type WebServerCheckParams,
  type WebServerDetection,
  type WebServerSnippetParams,
} from "../../shared/webserver";
import { checkWebServer } from "./check";
import { detectWebServer } from "./detect";
import { hostOs, type HostOs } from "./locations";
import { defaultUpstreamScheme, generateSnippet } from "./snippets/index";

export interface WebserverDeps {
  /** The current settings: the pod's domain and podhost's proxy ports. */
  settings(): Settings;
  /** Where podhost keeps the certificate for a name (the user's server can serve it); default: certbot's place. */
  certificatePaths?(domain: string): { certificate: string; key: string } | undefined;
  os?: HostOs;
}

/** "I already run a web server on this PC": what holds 80/443, the snippet for it, and the check. */
export interface WebserverService {
  detect(): Promise<WebServerDetection>;
  /** Throws a UserError (no domain yet, a way the server cannot do). */
  snippet(params: WebServerSnippetParams): Snippet;
  check(params: WebServerCheckParams): Promise<CheckResult>;
}

export function createWebserverService(deps: WebserverDeps): WebserverService {
  const os = deps.os ?? hostOs();
  return {
    detect: () => detectWebServer(),
    snippet(input) {
      const params = webServerSnippetParams.parse(input);
      const { proxy, domain: podDomain } = deps.settings();
      const domain = params.domain ?? podDomain;
      if (!domain) throw new UserError({ code: "webserver-no-domain", field: "domain", message: "The snippet needs the pod's name, and none is set yet.", fix: "Set the domain first (Settings > Domain & DNS)." });
      const given = params.certificate && params.key ? { certificate: params.certificate, key: params.key } : deps.certificatePaths?.(domain);
      return generateSnippet(
        params.server,
        {
          mode: params.mode,
          domain,
          podhostHttpsPort: proxy.httpsPort,
          podhostHttpPort: proxy.httpPort,
          upstreamScheme: params.upstreamScheme ?? defaultUpstreamScheme(params.server),
          prefix: params.prefix ?? "/pod",
          ...(given ? { tls: given } : {}),
          passthrough: params.passthrough ?? false,
          listen: { http: 80, https: 443, ownHttpsPort: 4443 },
        },
        os,
      );
    },
    async check(input) {
      const params = webServerCheckParams.parse(input);
      const { proxy } = deps.settings();
      const url = new URL(params.url);
      const mode = url.pathname !== "/" ? "subpath" : Number(url.port) === proxy.httpsPort ? "port" : "vhost";
      const detected = await detectWebServer().catch(() => undefined);
      return checkWebServer({
        url: params.url,
        mode,
        podhost: { httpsPort: proxy.httpsPort, httpPort: proxy.httpPort },
        ...(detected?.server ? { server: detected.server } : {}),
        // The server runs on this PC: ask it directly, so a router without hairpin NAT does not spoil the check.
        connectTo: params.connectTo ?? "127.0.0.1",
      });
    },
  };
}
