import cluster from "node:cluster";
import { rmSync } from "node:fs";
import { createServer as createNetServer, type Server as NetServer, type Socket } from "node:net";
import { createServer as createTlsServer, type SecureContext, type Server as TlsServer } from "node:tls";
import type { CertificateSource } from "../contracts";
import { sharesPems, startProxyCluster, workerScript } from "./cluster";
import type { PassthroughRoute, ProxyConfig, Route, Upstream } from "./config";
import { ConnectionHost, type ClientConnection, type Exchange } from "./connection";
import { frontServerClaim, upstreamRequestHead } from "./headers";
import type { RequestHead } from "./http1";
import { sendError, sendRedirect } from "./pages";
import { forward, type ExchangeContext } from "./exchange";
import { absoluteForm, findRoute, RouteTable, safeTarget, stripPrefix } from "./routing";
import { StaticFiles } from "./static-files";
import { createSpoolDir } from "./spool";
import { Stats, type ProxyCounters } from "./stats";
import { createTlsPort } from "./tls-port";
import { clientKey, UpstreamPools } from "./upstream";

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

/** The ":port" part of a Host header, "" when it has none. */
function hostPort(host: string): string {
  const colon = host.lastIndexOf(":");
  return colon > host.lastIndexOf("]") ? host.slice(colon) : "";
}

function answerHttp01(connection: ClientConnection, request: RequestHead, answer: string | undefined): void {
  if (answer === undefined) return sendError(connection, request, 404);
  connection.respond(200, "Content-Type: text/plain\r\n", answer);
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
  const httpsPort = () => bound.find((l) => l.proto === "https")?.port ?? config.https?.port;
  const redirectsToHttps = config.http?.redirectToHttps === true && config.https !== undefined;

  type Resolved = { route: Route; path: string; host: string } | undefined;

  /** 301 to `name`: to https when the HTTP port redirects, else to the canonical name on the same scheme and port. */
  const redirect = (connection: ClientConnection, request: RequestHead, proto: "http" | "https", host: string, name: string, target: string, toHttps: boolean): undefined => {
    if (request.upgrade !== undefined) return void sendError(connection, request, 400, true);
    const httpsSuffix = hostPort(host) && httpsPort() !== 443 ? `:${httpsPort()}` : "";
    sendRedirect(connection, toHttps ? `https://${name}${httpsSuffix}${target}` : `${proto}://${name}${hostPort(host)}${target}`);
    return undefined;
  };

  /**
   * Validate target and Host, answer ACME/redirects/errors (undefined); else the route to use.
   * An absolute-form target's authority wins over Host (RFC 9112 3.2.2), and is routed only when
   * it names one of our hosts: never an open proxy.
   */
  const resolve = (connection: ClientConnection, request: RequestHead, proto: "http" | "https"): Resolved => {
    const absolute = request.target.charCodeAt(0) === 47 /* / */ ? undefined : absoluteForm(request.target);
    const target = safeTarget(absolute ? absolute.path : request.target);
    // Host is owed once by HTTP/1.1 (RFC 9112 3.2: 400 without it, or with two); HTTP/1.0 may leave it out.
    if (target === undefined || (request.host === undefined && (request.hostCount > 0 || request.minor > 0))) return void sendError(connection, request, 400, true);
    const host = absolute ? absolute.authority : request.host;
    // An HTTP/1.0 request that names no host at all names none of our sites, as an unknown name doesn't (nginx: 421).
    if (host === undefined) return void sendError(connection, request, 421);
    const found = table.lookup(host);
    // A Host that is no host name (or has a port no TCP port can have) is malformed: 400 before anything else.
    if (!found || (absolute && request.host !== undefined && !table.lookup(request.host))) return void sendError(connection, request, 400, true);
    if (request.upgrade === undefined && target.startsWith(acmePrefix)) {
      const answer = certificates.http01Response(pathOf(target).slice(acmePrefix.length));
      if (answer instanceof Promise) answer.then((text) => answerHttp01(connection, request, text), () => sendError(connection, request, 500));
      else answerHttp01(connection, request, answer);
      return undefined;
    }
    if (!found.match) return void sendError(connection, request, 421);
    // A TLS connection opened for one of our names serves that name only (RFC 9110 7.4: 421).
    const sni = connection.servername;
    if (sni !== undefined && sni !== found.name && table.lookup(sni)?.match) return void sendError(connection, request, 421);
    const toHttps = proto === "http" && redirectsToHttps;
    if (found.match.kind === "redirect") return redirect(connection, request, proto, host, found.match.to, target, toHttps);
    if (toHttps && !isDiscovery(target)) return redirect(connection, request, proto, host, found.name, target, toHttps);
    const route = findRoute(found.match.routes, target);
    if (!route) return void sendError(connection, request, 404);
    return { route, path: stripPrefix(target, route.prefix), host };
  };

  type Visitor = { ip: string; proto: "http" | "https" };
  /** Who asked, as the upstream is told: a trusted front server's word, else the connection's own. */
  const visitorOf = (connection: ClientConnection, request: RequestHead): Visitor => {
    const claim = config.trustLoopbackForwarding ? frontServerClaim(connection.remoteAddress, request) : {};
    return { ip: claim.ip ?? connection.remoteAddress, proto: claim.proto ?? connection.proto };
  };
  const clientFacts = (visitor: Visitor, resolved: NonNullable<Resolved>) => ({ ip: visitor.ip, proto: visitor.proto, host: resolved.host, prefix: resolved.route.prefix });

  const spoolDir = createSpoolDir();
  const context: ExchangeContext = { limits, stats, spoolDir };

  /** The request to the app; `ready` holds it back until the static lookup says the file isn't there. */
  const proxyTo = (connection: ClientConnection, request: RequestHead, visitor: Visitor, resolved: NonNullable<Resolved>, ready?: Promise<boolean>): Exchange => {
    const { route, path, host } = resolved;
    const head = upstreamRequestHead(request, path, clientFacts(visitor, resolved), request.upgrade);
    const target = { pool: pools.get(route.upstream), head, path, prefix: route.prefix, host, clientKey: clientKey(visitor.ip), upgrade: request.upgrade };
    return forward(connection, request, target, context, ready);
  };

  const onRequest = (connection: ClientConnection, request: RequestHead): Exchange | undefined => {
    stats.requests++;
    const visitor = visitorOf(connection, request);
    const resolved = resolve(connection, request, visitor.proto);
    if (!resolved) return undefined;
    const root = resolved.route.staticRoot;
    if (!root || request.upgrade !== undefined) return proxyTo(connection, request, visitor, resolved);
    const served = staticFiles.serve(connection, request, root, resolved.path);
    if (served === true) return undefined;
    return proxyTo(connection, request, visitor, resolved, served === false ? undefined : served);
  };

  const host = new ConnectionHost(limits, onRequest);
  const servers: NetServer[] = [];
  let tlsTerminator: TlsServer | undefined;
  let stopWatchingRenewals = () => {};
  const closeAll = async () => {
    stats.stop();
    stopWatchingRenewals();
    host.close();
    for (const socket of sockets) socket.destroy();
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
    pools.close();
    rmSync(spoolDir, { recursive: true, force: true });
  };
  /** Every client connection on our ports, counted and closed with the engine. */
  const sockets = new Set<Socket>();
  const track = (server: NetServer) =>
    server.on("connection", (socket: Socket) => {
      sockets.add(socket);
      stats.openConnections++;
      socket.once("close", () => {
        sockets.delete(socket);
        stats.openConnections--;
      });
    });

  try {
    if (config.https) {
      const terminator = createTlsServer(
        {
          ALPNProtocols: ["http/1.1"],
          handshakeTimeout: limits.helloTimeoutMs,
          allowHalfOpen: true,
          SNICallback: (name, done) => done(null, certificates.contextFor(name) ?? certificates.defaultContext()),
        },
        (socket) => void host.accept(socket, "https"),
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
        tunnelLimits: limits,
      });
      tlsPort.maxConnections = limits.maxConnections;
      track(tlsPort);
      servers.push(tlsPort);
      bound.push({ proto: "https", port: await listen(tlsPort, "https", config.https.port, config.https.host) });
    }
    if (config.http) {
      const plain = createNetServer({ allowHalfOpen: true, noDelay: true }, (socket) => void host.accept(socket, "http"));
      plain.maxConnections = limits.maxConnections;
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
      pools.retain(upstreams);
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
function useDefaultContext(server: TlsServer, context: SecureContext | undefined): void {
  if (context) (server as unknown as { _sharedCreds: SecureContext })._sharedCreds = context;
}

function listen(server: NetServer, proto: "http" | "https", port: number, host: string | undefined): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error & { code?: string }) => reject(new ListenError(proto, port, error.code ?? error.message));
    server.once("error", onError);
    // A burst of new visitors (a post going viral) should queue, not have SYNs dropped (1 s retry).
    server.listen({ port, host, backlog: 4096 }, () => {
      server.removeListener("error", onError);
      const address = server.address();
      resolve(typeof address === "object" && address ? address.port : port);
    });
  });
}
