/**
 * What the proxy engine runs: listeners, virtual hosts with their routes, passthrough names and
 * limits. Plain data, built by the service from settings (or by a test or benchmark directly).
 */

/** Where a route sends requests: a TCP address (loopback or another machine) or a unix socket. */
export type Upstream = { host: string; port: number } | { socketPath: string };

export interface Route {
  /** "" for the whole host, else a path prefix like "/blog" (stripped before forwarding). */
  prefix: string;
  upstream: Upstream;
  /** A folder served before the app (`try_files $uri @app`), like a diaspora* pod's public/. */
  staticRoot?: string;
}

export interface VirtualHost {
  /** Lower-case names this host answers to. */
  names: string[];
  /** Names that only redirect (301) to `names[0]`, like www.pod.example.org. */
  redirectNames?: string[];
  routes: Route[];
}

export interface PassthroughRoute {
  /** The TLS server name (SNI) whose connections are forwarded untouched. */
  name: string;
  upstream: { host: string; port: number };
}

export interface ProxyLimits {
  /** Largest request body (bytes); larger gets 413. */
  bodyBytes: number;
  /** Largest request head (request line + headers, bytes); larger gets 431. */
  headerBytes: number;
  maxConnections: number;
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
  /** How long a TLS client may take to send its ClientHello. */
  helloTimeoutMs: number;
  upstreamConnectTimeoutMs: number;
  /** How long the app may take to start answering before the client gets 504. */
  upstreamHeadersTimeoutMs: number;
  /** Keep-alive connections per upstream. */
  upstreamConnections: number;
  /**
   * A WebSocket or passed-through (SNI) connection with no traffic either way for this long is
   * closed, so abandoned tunnels don't hold connection slots forever (nginx's stream default).
   */
  tunnelIdleTimeoutMs: number;
  /**
   * A client that takes none of its answer for this long is closed (nginx's send_timeout): it
   * can't hold the connection, or the answer's spool, for longer.
   */
  sendTimeoutMs: number;
}

export interface ListenerConfig {
  port: number;
  /** Bind address; undefined listens on every interface. */
  host?: string;
}

export interface ProxyConfig {
  https?: ListenerConfig;
  /** Plain HTTP. `redirectToHttps` sends everything but ACME and discovery paths to https. */
  http?: ListenerConfig & { redirectToHttps: boolean };
  hosts: VirtualHost[];
  passthrough: PassthroughRoute[];
  limits: ProxyLimits;
  /**
   * The user's own web server on this PC forwards the pod to podhost ("I already run a web
   * server"): believe X-Forwarded-For/-Proto from loopback peers only, so the pod sees the
   * visitor's address (diaspora* rate-limits logins per IP) and HTTP from a TLS-terminating
   * front server is not redirected in a loop.
   */
  trustLoopbackForwarding?: boolean;
  /**
   * Worker processes serving the ports (node:cluster); 1 or unset serves in this process.
   * More than one needs a certificate source that can share its PEMs (see cluster.ts).
   */
  workers?: number;
}

export const defaultLimits: ProxyLimits = {
  bodyBytes: 5 * 1024 * 1024,
  headerBytes: 16 * 1024,
  maxConnections: 10_000,
  headersTimeoutMs: 20_000,
  requestTimeoutMs: 120_000,
  keepAliveTimeoutMs: 65_000,
  helloTimeoutMs: 10_000,
  upstreamConnectTimeoutMs: 5_000,
  upstreamHeadersTimeoutMs: 60_000,
  upstreamConnections: 64,
  tunnelIdleTimeoutMs: 10 * 60_000,
  sendTimeoutMs: 60_000,
};

export function upstreamLabel(upstream: Upstream): string {
  if ("socketPath" in upstream) return `unix:${upstream.socketPath}`;
  return upstream.host.includes(":") ? `[${upstream.host}]:${upstream.port}` : `${upstream.host}:${upstream.port}`;
}
