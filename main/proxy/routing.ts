import type { ProxyConfig, Route, VirtualHost } from "./config";

/** What a Host header leads to: a site with its routes, or a redirect to the canonical name. */
export type HostMatch = { kind: "site"; site: VirtualHost; routes: Route[] } | { kind: "redirect"; to: string };

const maxCachedHeaders = 1024;

/** Host name -> site, with each site's routes longest prefix first. */
export class RouteTable {
  private readonly byName = new Map<string, HostMatch>();
  /** Answers by raw Host header: a visitor's browser sends the same value on every request. */
  private readonly byHeader = new Map<string, { name: string; match: HostMatch | undefined } | undefined>();

  constructor(config: Pick<ProxyConfig, "hosts">) {
    for (const site of config.hosts) {
      const routes = [...site.routes].sort((a, b) => b.prefix.length - a.prefix.length);
      for (const name of site.names) this.byName.set(name.toLowerCase(), { kind: "site", site, routes });
      const canonical = site.names[0];
      if (canonical) for (const name of site.redirectNames ?? []) this.byName.set(name.toLowerCase(), { kind: "redirect", to: canonical });
    }
  }

  /**
   * The match for a raw Host header value: undefined for a malformed one (400), a name without
   * a match for one that is not ours (421).
   */
  lookup(hostHeader: string | undefined): { name: string; match: HostMatch | undefined } | undefined {
    if (hostHeader === undefined) return undefined;
    const cached = this.byHeader.get(hostHeader);
    if (cached !== undefined || this.byHeader.has(hostHeader)) return cached;
    const found = this.find(hostHeader);
    // Bounded: random Host values from scanners must not grow it without end.
    if (this.byHeader.size >= maxCachedHeaders) this.byHeader.clear();
    this.byHeader.set(hostHeader, found);
    return found;
  }

  private find(hostHeader: string): { name: string; match: HostMatch | undefined } | undefined {
    const name = hostName(hostHeader);
    return name === undefined ? undefined : { name, match: this.byName.get(name) };
  }

  names(): string[] {
    return [...this.byName.keys()];
  }
}

const hostRe = /^(?:[a-z0-9-]+(?:\.[a-z0-9-]+)*|\[[0-9a-f:.]+\])$/;

/** "Pod.Example.org.:8443" -> "pod.example.org"; undefined when it is not a host name. */
export function hostName(hostHeader: string | undefined): string | undefined {
  if (!hostHeader) return undefined;
  let host = hostHeader.toLowerCase();
  const portAt = host.lastIndexOf(":");
  if (portAt > host.lastIndexOf("]")) {
    // RFC 9110 4.2.3 / 7.2: the port is digits; one that no TCP port can have is malformed.
    const port = host.slice(portAt + 1);
    if (port !== "" && (!/^\d{1,5}$/.test(port) || Number(port) < 1 || Number(port) > 65535)) return undefined;
    host = host.slice(0, portAt);
  }
  if (host.endsWith(".")) host = host.slice(0, -1);
  return hostRe.test(host) ? host : undefined;
}

/** The route for a path (already checked by `safePath`): longest matching prefix first. */
export function findRoute(routes: Route[], path: string): Route | undefined {
  for (const route of routes) {
    if (route.prefix === "" || path === route.prefix || path.startsWith(`${route.prefix}/`) || path.startsWith(`${route.prefix}?`)) return route;
  }
  return undefined;
}

/** The target with the route's prefix taken off: "/blog/x?y" -> "/x?y", "/blog" -> "/". */
export function stripPrefix(target: string, prefix: string): string {
  if (prefix === "") return target;
  const rest = target.slice(prefix.length);
  return rest === "" || rest.startsWith("?") ? `/${rest}` : rest;
}

const absoluteFormRe = /^https?:\/\/([^/?#@]+)([/?][^#]*)?$/i;

/**
 * An absolute-form target (`https://pod.example.org/x?y`, RFC 9112 3.2.2): its authority, which
 * then wins over the Host header, and its path as origin-form. undefined when it is not one
 * (userinfo and fragments are refused: no client sends them to a server). Whether the authority
 * is one of ours is the caller's to check: we are never an open proxy.
 */
export function absoluteForm(target: string): { authority: string; path: string } | undefined {
  const match = absoluteFormRe.exec(target);
  if (!match) return undefined;
  const rest = match[2] ?? "/";
  return { authority: match[1]!, path: rest.startsWith("?") ? `/${rest}` : rest };
}

/**
 * The request target as it may go upstream, or undefined (400). Only origin-form ("/path") is
 * accepted here (an absolute-form one is turned into it first, see `absoluteForm`). Leading
 * slashes are merged so `//other/x` can't be read as another origin, and dot segments, plain
 * or percent-encoded, are refused so no prefix or static root can be escaped.
 */
export function safeTarget(target: string): string | undefined {
  if (target.charCodeAt(0) !== 47 /* / */) return undefined;
  let out = target;
  if (out.charCodeAt(1) === 47) out = out.replace(/^\/+/, "/");
  const queryAt = out.indexOf("?");
  const path = queryAt < 0 ? out : out.slice(0, queryAt);
  // A dot segment starts after a slash (or a backslash); anything encoded is decoded and looked at.
  if (path.includes("%") || path.includes("/.") || path.includes("\\.")) {
    for (const segment of path.split("/")) {
      const decoded = decodeSegment(segment);
      if (decoded.includes("\0") || decoded.split(/[/\\]/).some((part) => part === "." || part === "..")) return undefined;
    }
  }
  return out;
}

export function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
