import { join } from "node:path";
import { parseUpstream, type ProxyRouteStatus } from "../../shared/proxy";
import type { Settings } from "../../shared/settings";
import { defaultLimits, upstreamLabel, type PassthroughRoute, type ProxyConfig, type Route, type Upstream, type VirtualHost } from "./config";

const mebibyte = 1024 * 1024;

export interface MappedConfig {
  config: ProxyConfig;
  routes: ProxyRouteStatus[];
  /** Settings that could not be used, each a plain sentence naming the field. */
  problems: string[];
}

/**
 * Settings -> proxy config. The pod's domain goes to 127.0.0.1:pod.port (with public/ served
 * directly for diaspora*); aliases redirect to it or share it; extra routes and passthrough
 * names get their own hosts. Conflicting names are left out and reported, never thrown.
 */
export function mapSettings(settings: Settings): MappedConfig {
  const { proxy, pod } = settings;
  const problems: string[] = [];
  const domain = settings.domain || "localhost";
  // A custom pod may listen on a unix socket instead of a port.
  const podUpstream: Upstream = pod.profile === "custom" && pod.socketPath ? { socketPath: pod.socketPath } : { host: "127.0.0.1", port: pod.port };
  const staticRoot = pod.profile === "diaspora" && proxy.serveStatic && pod.dir ? join(pod.dir, "public") : undefined;
  const podRoute: Route = { prefix: "", upstream: podUpstream, ...(staticRoot ? { staticRoot } : {}) };
  const aliases = proxy.aliases.filter((alias) => alias !== domain);

  const sites = new Map<string, VirtualHost>();
  sites.set(domain, { names: [domain, ...(proxy.aliasesRedirect ? [] : aliases)], redirectNames: proxy.aliasesRedirect ? aliases : [], routes: [podRoute] });
  const routes: ProxyRouteStatus[] = [
    { kind: "pod", host: domain, prefix: "", target: upstreamLabel(podUpstream) },
    ...aliases.map((alias): ProxyRouteStatus => ({ kind: proxy.aliasesRedirect ? "alias" : "pod", host: alias, prefix: "", target: proxy.aliasesRedirect ? domain : upstreamLabel(podUpstream) })),
  ];

  for (const route of proxy.routes) {
    const upstream = parseUpstream(route.upstream);
    if (!upstream) continue; // the schema already refused it
    if (aliases.includes(route.host)) {
      problems.push(`proxy.routes: ${route.host} is also a pod alias; remove it from one of the two lists.`);
      continue;
    }
    const site = sites.get(route.host) ?? { names: [route.host], routes: [] };
    sites.set(route.host, site);
    if (site.routes.some((r) => r.prefix === route.prefix)) {
      problems.push(`proxy.routes: ${route.host}${route.prefix || " (whole host)"} is listed twice; only the first is used.`);
      continue;
    }
    site.routes.push({ prefix: route.prefix, upstream });
    routes.push({ kind: "route", host: route.host, prefix: route.prefix, target: upstreamLabel(upstream) });
  }

  const passthrough: PassthroughRoute[] = [];
  for (const entry of proxy.passthrough) {
    const upstream = parseUpstream(entry.upstream, false);
    if (!upstream || "socketPath" in upstream) continue;
    if (entry.host === domain || aliases.includes(entry.host)) {
      problems.push(`proxy.passthrough: ${entry.host} is the pod's own name, so podhost must decrypt it; remove it from passthrough.`);
      continue;
    }
    passthrough.push({ name: entry.host, upstream });
    routes.push({ kind: "passthrough", host: entry.host, prefix: "", target: upstreamLabel(upstream) });
  }

  return {
    config: {
      https: { port: proxy.httpsPort },
      http: { port: proxy.httpPort, redirectToHttps: proxy.redirectToHttps },
      hosts: [...sites.values()],
      passthrough,
      limits: { ...defaultLimits, bodyBytes: Math.round(proxy.maxBodyMiB * mebibyte) },
      trustLoopbackForwarding: settings.webserver.enabled,
      // Two processes use both cores of a small machine; more mostly cost memory.
      workers: proxy.workers ?? 1,
    },
    routes,
    problems,
  };
}
