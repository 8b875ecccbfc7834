import { createServer as createHttpServer, STATUS_CODES, type IncomingMessage, type Server as HttpServer, type ServerOptions, type ServerResponse } from "node:http";
import { createServer as createHttpsServer, type Server as HttpsServer } from "node:https";
import cluster from "node:cluster";
import type { Server as NetServer, Socket } from "node:net";
import type { Duplex } from "node:stream";
import type { SecureContext } from "node:tls";
import type { CertificateSource } from "../contracts";
import { sharesPems, startProxyCluster, workerScript } from "./cluster";
import type { PassthroughRoute, ProxyConfig, Route, Upstream } from "./config";
import { forward, UpstreamPools } from "./forward";
import { frontServerClaim, upstreamRequestHeaders } from "./headers";
import { sendError, sendRedirect } from "./pages";
import { findRoute, RouteTable, safeTarget, stripPrefix } from "./routing";
import { StaticFiles } from "./static-files";
import { Stats, type ProxyCounters } from "./stats";
import { createTlsPort } from "./tls-port";
import { tunnelUpgrade } from "./upgrade";

/**
 * The certificate source as the engine uses it: a worker process asks its primary for ACME
 * challenge answers, so those may come as promises.
 */
export interface EngineCertificates extends Omit<CertificateSource, "http01Response" | "tlsAlpn01Context"> {
  http01Response(token: string): string | undefined | Promise<string | undefined>;
  tlsAlpn01Context(servername: string): SecureContext | undefined | Promise<SecureContext | undefined>;
}

export interface ListenerState {
  proto: "http" | "https";
  port: number;
}

export interface ProxyEngine {
  /** The ports actually bound (a configured port 0 becomes the kernel's choice). */
  listeners(): ListenerState[];
  stats(): ProxyCounters;
  /** How many processes serve the ports (1: this one). */
  workers(): number;
  /** Swap hosts, routes and passthrough names without dropping connections. */
  reload(config: Pick<ProxyConfig, "hosts" | "passthrough">): Promise<void>;
  close(): Promise<void>;
}

/** A port we could not bind: the service turns it into a plain-language status. */
export class ListenError extends Error {
  constructor(readonly proto: "http" | "https", readonly port: number, readonly code: string) {
    super(`Could not listen on ${proto} port ${port}: ${code}`);
  }
}

const acmePrefix = "/.well-known/acme-challenge/";
/** Fediverse discovery must work over plain HTTP too: answered on the HTTP port without a redirect. */
const discoveryPaths = ["/.well-known/host-meta", "/.well-known/webfinger", "/.well-known/nodeinfo", "/nodeinfo/"];

function pathOf(target: string): string {
  const queryAt = target.indexOf("?");
  return queryAt < 0 ? target : target.slice(0, queryAt);
}

function isDiscovery(target: string): boolean {
  const path = pathOf(target);
  return discoveryPaths.some((p) => (p.endsWith("/") ? path.startsWith(p) : path === p));
}

/** Node keeps only the first Host; two Host headers mean two parsers could disagree, so refuse. */
function hasDuplicateHost(req: IncomingMessage): boolean {
  let seen = 0;
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) if (raw[i]!.length === 4 && raw[i]!.toLowerCase() === "host" && ++seen > 1) return true;
  return false;
}

/** The ":port" part of a Host header, "" when it has none. */
function hostPort(host: string): string {
  const colon = host.lastIndexOf(":");
  return colon > host.lastIndexOf("]") ? host.slice(colon) : "";
}

function answerHttp01(req: IncomingMessage, res: ServerResponse, answer: string | undefined): void {
  if (answer === undefined) return sendError(req, res, 404);
  res.writeHead(200, { "content-type": "text/plain", "content-length": Buffer.byteLength(answer) });
  res.end(answer);
}

function rawResponse(socket: Duplex, status: number): void {
  socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  socket.once("finish", () => socket.destroy());
}

/**
 * Start the listeners of `config`: in this process, or in `config.workers` worker processes
 * when there are more than one and the certificate source can share its PEMs with them.
 * Rejects with a ListenError when a port can't be bound.
 */
export async function startProxy(config: ProxyConfig, certificates: EngineCertificates): Promise<ProxyEngine> {
  const workers = config.workers ?? 1;
  const script = workers > 1 && cluster.isPrimary ? workerScript() : undefined;
  if (script && sharesPems(certificates)) return startProxyCluster(config, certificates, workers, script);
  return startInProcess(config, certificates);
}

async function startInProcess(config: ProxyConfig, certificates: EngineCertificates): Promise<ProxyEngine> {
  const limits = config.limits;
  const stats = new Stats();
  const pools = new UpstreamPools(limits);
  const staticFiles = new StaticFiles();
  let table = new RouteTable(config);
  let passthrough = new Map<string, PassthroughRoute>();
  const setPassthrough = (routes: PassthroughRoute[]) => (passthrough = new Map(routes.map((r) => [r.name.toLowerCase(), r])));
  setPassthrough(config.passthrough);
  const bound: ListenerState[] = [];
  const sockets = new Set<Socket>();
  const httpsPort = () => bound.find((l) => l.proto === "https")?.port ?? config.https?.port;
  const redirectsToHttps = config.http?.redirectToHttps === true && config.https !== undefined;

  type Resolved = { route: Route; path: string; host: string } | undefined;

  /** An error answer: through the response when there is one, else raw on the socket (upgrades). */
  const fail = (req: IncomingMessage, res: ServerResponse | undefined, socket: Duplex, status: number, close = false): undefined => {
    if (res) sendError(req, res, status, close);
    else rawResponse(socket, status);
    return undefined;
  };

  /** 301 to `name`: to https when the HTTP port redirects, else to the canonical name on the same scheme and port. */
  const redirect = (req: IncomingMessage, res: ServerResponse | undefined, socket: Duplex, proto: "http" | "https", host: string, name: string, target: string, toHttps: boolean): undefined => {
    if (!res) return fail(req, res, socket, 400);
    const httpsSuffix = hostPort(host) && httpsPort() !== 443 ? `:${httpsPort()}` : "";
    sendRedirect(res, toHttps ? `https://${name}${httpsSuffix}${target}` : `${proto}://${name}${hostPort(host)}${target}`);
    return undefined;
  };

  /** Validate target and Host, answer ACME/redirects/errors (undefined); else the route to use. */
  const resolve = (req: IncomingMessage, res: ServerResponse | undefined, socket: Duplex, proto: "http" | "https"): Resolved => {
    const target = safeTarget(req.url ?? "");
    if (target === undefined || hasDuplicateHost(req)) return fail(req, res, socket, 400, true);
    if (res && target.startsWith(acmePrefix)) {
      const answer = certificates.http01Response(pathOf(target).slice(acmePrefix.length));
      if (answer instanceof Promise) answer.then((text) => answerHttp01(req, res, text), () => sendError(req, res, 500));
      else answerHttp01(req, res, answer);
      return undefined;
    }
    const host = req.headers.host;
    const found = table.lookup(host);
    if (!found || !host) return fail(req, res, socket, host ? 421 : 400, !host);
    const toHttps = proto === "http" && redirectsToHttps;
    if (found.match.kind === "redirect") return redirect(req, res, socket, proto, host, found.match.to, target, toHttps);
    if (toHttps && !isDiscovery(target)) return redirect(req, res, socket, proto, host, found.name, target, toHttps);
    const route = findRoute(found.match.routes, target);
    if (!route) return fail(req, res, socket, 404);
    return { route, path: stripPrefix(target, route.prefix), host };
  };

  const clientFacts = (req: IncomingMessage, proto: "http" | "https", host: string, route: Route) => ({
    ip: (config.trustLoopbackForwarding ? frontServerClaim(req).ip : undefined) ?? req.socket.remoteAddress ?? "",
    proto,
    host,
    prefix: route.prefix,
  });
  /** The scheme the visitor used: ours, or a trusted front server's (TLS ended there, plain HTTP to us). */
  const visitorProto = (req: IncomingMessage, listener: "http" | "https") => (config.trustLoopbackForwarding ? frontServerClaim(req).proto : undefined) ?? listener;

  const proxyTo = (req: IncomingMessage, res: ServerResponse, proto: "http" | "https", resolved: NonNullable<Resolved>) => {
    const { route, path, host } = resolved;
    const headers = upstreamRequestHeaders(req, clientFacts(req, proto, host, route));
    forward(req, res, { pool: pools.get(route.upstream), upstream: route.upstream, path, headers, prefix: route.prefix, host }, limits, stats);
  };

  const onRequest = (listener: "http" | "https") => (req: IncomingMessage, res: ServerResponse) => {
    stats.requests++;
    const proto = visitorProto(req, listener);
    const resolved = resolve(req, res, req.socket, proto);
    if (!resolved) return;
    const root = resolved.route.staticRoot;
    if (!root) return proxyTo(req, res, proto, resolved);
    const served = staticFiles.serve(req, res, root, resolved.path);
    if (served === false) proxyTo(req, res, proto, resolved);
    else if (served !== true) {
      served.then(
        (answered) => answered || proxyTo(req, res, proto, resolved),
        () => sendError(req, res, 500),
      );
    }
  };

  const onUpgrade = (listener: "http" | "https") => (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    stats.requests++;
    const proto = visitorProto(req, listener);
    const resolved = resolve(req, undefined, socket, proto);
    if (!resolved) return;
    const headers = upstreamRequestHeaders(req, clientFacts(req, proto, resolved.host, resolved.route), String(req.headers.upgrade));
    tunnelUpgrade(req, socket, head, resolved.route.upstream, resolved.path, headers, limits.upstreamConnectTimeoutMs, stats);
  };

  const serverOptions: ServerOptions = {
    maxHeaderSize: limits.headerBytes,
    requireHostHeader: true,
    joinDuplicateHeaders: false,
    noDelay: true,
    connectionsCheckingInterval: Math.max(100, Math.min(5000, limits.headersTimeoutMs / 4)),
  };
  const setUp = <S extends HttpServer | HttpsServer>(server: S, proto: "http" | "https"): S => {
    server.headersTimeout = limits.headersTimeoutMs;
    server.requestTimeout = limits.requestTimeoutMs;
    server.keepAliveTimeout = limits.keepAliveTimeoutMs;
    server.maxConnections = limits.maxConnections;
    server.on("request", onRequest(proto));
    server.on("upgrade", onUpgrade(proto));
    server.on("clientError", (error: Error & { code?: string }, socket: Duplex) => {
      if (!socket.writable || error.code === "ECONNRESET") return socket.destroy();
      rawResponse(socket, error.code === "HPE_HEADER_OVERFLOW" ? 431 : error.code === "ERR_HTTP_REQUEST_TIMEOUT" ? 408 : 400);
    });
    return server;
  };

  const servers: (HttpServer | NetServer)[] = [];
  let tlsTerminator: HttpsServer | undefined;
  let stopWatchingRenewals = () => {};
  const closeAll = async () => {
    stats.stop();
    stopWatchingRenewals();
    for (const socket of sockets) socket.destroy();
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
    await pools.close();
  };
  const track = (server: NetServer) =>
    server.on("connection", (socket: Socket) => {
      sockets.add(socket);
      socket.once("close", () => sockets.delete(socket));
    });

  try {
    if (config.https) {
      const terminator = setUp(
        createHttpsServer({
          ...serverOptions,
          ALPNProtocols: ["http/1.1"],
          handshakeTimeout: limits.helloTimeoutMs,
          SNICallback: (name, done) => done(null, certificates.contextFor(name) ?? certificates.defaultContext()),
        }),
        "https",
      );
      terminator.on("tlsClientError", (_error, socket) => socket.destroy());
      tlsTerminator = terminator;
      useDefaultContext(terminator, certificates.defaultContext());
      stopWatchingRenewals = certificates.onRenewed(() => useDefaultContext(terminator, certificates.defaultContext()));
      const tlsPort = createTlsPort({
        terminator,
        passthrough: () => passthrough,
        acmeContext: (name) => certificates.tlsAlpn01Context(name),
        helloTimeoutMs: limits.helloTimeoutMs,
        connectTimeoutMs: limits.upstreamConnectTimeoutMs,
        stats,
      });
      tlsPort.maxConnections = limits.maxConnections;
      track(tlsPort);
      servers.push(tlsPort);
      bound.push({ proto: "https", port: await listen(tlsPort, "https", config.https.port, config.https.host) });
    }
    if (config.http) {
      const plain = setUp(createHttpServer(serverOptions), "http");
      plain.on("connection", (socket: Socket) => {
        stats.openConnections++;
        socket.once("close", () => stats.openConnections--);
      });
      track(plain);
      servers.push(plain);
      bound.push({ proto: "http", port: await listen(plain, "http", config.http.port, config.http.host) });
    }
  } catch (error) {
    await closeAll();
    throw error;
  }

  return {
    listeners: () => [...bound],
    stats: () => stats.snapshot(),
    workers: () => 1,
    async reload(next) {
      table = new RouteTable(next);
      setPassthrough(next.passthrough);
      staticFiles.clear();
      const upstreams: Upstream[] = next.hosts.flatMap((site) => site.routes.map((route) => route.upstream));
      await pools.retain(upstreams);
    },
    async close() {
      if (tlsTerminator) tlsTerminator.close();
      await closeAll();
    },
  };
}

/**
 * Clients that send no server name (an IP address in the URL) get the default certificate.
 * Node reads a TLS server's default context from `_sharedCreds` for each new connection and
 * offers no public setter that takes a SecureContext, so we set it here, on start and renewal.
 */
function useDefaultContext(server: HttpsServer, context: SecureContext | undefined): void {
  if (context) (server as unknown as { _sharedCreds: SecureContext })._sharedCreds = context;
}

function listen(server: NetServer, proto: "http" | "https", port: number, host: string | undefined): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error & { code?: string }) => reject(new ListenError(proto, port, error.code ?? error.message));
    server.once("error", onError);
    server.listen({ port, host }, () => {
      server.removeListener("error", onError);
      const address = server.address();
      resolve(typeof address === "object" && address ? address.port : port);
    });
  });
}
