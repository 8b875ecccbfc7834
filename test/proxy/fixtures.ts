import { execFileSync } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from "node:fs";
import { Agent, createServer, request, type IncomingHttpHeaders, type IncomingMessage, type Server } from "node:http";
import { connect as netConnect, createServer as createNetServer, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect as tlsConnect, createSecureContext, type SecureContext } from "node:tls";
import type { CertificateSource } from "../../main/contracts";
import { defaultLimits, type ProxyConfig, type ProxyLimits, type VirtualHost } from "../../main/proxy/config";
import { startProxy, type ProxyEngine } from "../../main/proxy/engine";
import { requireTool } from "../helpers/tools";

/** A self-signed ECDSA P-256 certificate for `names` (key from node:crypto, certificate from openssl). */
export function selfSignedCert(names: string[]): { key: string; cert: string } {
  const openssl = requireTool("openssl");
  const { privateKey } = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
  const key = privateKey.export({ type: "pkcs8", format: "pem" }) as string;
  const dir = mkdtempSync(join(tmpdir(), "podhost-cert-"));
  try {
    writeFileSync(join(dir, "key.pem"), key);
    const san = names.map((n) => (/^[\d.]+$/.test(n) ? `IP:${n}` : `DNS:${n}`)).join(",");
    execFileSync(openssl, ["req", "-x509", "-new", "-key", join(dir, "key.pem"), "-subj", `/CN=${names[0]}`, "-addext", `subjectAltName=${san}`, "-days", "2", "-out", join(dir, "cert.pem")], { stdio: "ignore" });
    return { key, cert: readFileSync(join(dir, "cert.pem"), "utf8") };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A CertificateSource as the certs service will offer it, with a `renew` that swaps in a new certificate. */
export class TestCertificates implements CertificateSource {
  current: { key: string; cert: string };
  context: SecureContext;
  acme = new Map<string, SecureContext>();
  tokens = new Map<string, string>();
  private readonly listeners = new Set<() => void>();

  constructor(readonly names: string[]) {
    this.current = selfSignedCert(names);
    this.context = createSecureContext(this.current);
  }
  contextFor(servername: string) {
    return this.names.includes(servername) ? this.context : undefined;
  }
  defaultContext() {
    return this.context;
  }
  http01Response(token: string) {
    return this.tokens.get(token);
  }
  tlsAlpn01Context(servername: string) {
    return this.acme.get(servername);
  }
  onRenewed(listener: () => void) {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  renew(): void {
    this.current = selfSignedCert(this.names);
    this.context = createSecureContext(this.current);
    for (const listener of this.listeners) listener();
  }
}

export interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
  rawHeaders: string[];
  body: string;
  /** Which of the backend's connections carried it (1, 2, ... in the order they were accepted). */
  connection: number;
}

/** A backend that records what reached it and answers with it as JSON; also echoes WebSocket-style upgrades. */
export interface Backend {
  server: Server;
  port: number;
  seen: SeenRequest[];
  connections: number;
  close(): Promise<void>;
}

/** What a test's backend answers to one request; `until` holds the answer back until it settles. */
export interface BackendReply {
  status?: number;
  headers?: Record<string, string | string[]>;
  delayMs?: number;
  until?: Promise<unknown>;
  /** A body of this many bytes instead of the JSON echo. */
  bodyBytes?: number;
}

const connectionIds = new WeakMap<object, number>();

/**
 * `upgrades: false` leaves Upgrade requests to node:http's ordinary request handling, as an app
 * that speaks no WebSocket does: it answers them like any other request and keeps the connection.
 */
export async function startBackend(listenOn: number | string = 0, onRequest?: (req: IncomingMessage) => BackendReply | undefined, options: { upgrades?: boolean; maxHeadersCount?: number } = {}): Promise<Backend> {
  const backend = { seen: [] as SeenRequest[], connections: 0 } as Backend;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const seen = { method: req.method!, url: req.url!, headers: req.headers, rawHeaders: req.rawHeaders, body: Buffer.concat(chunks).toString(), connection: connectionIds.get(req.socket) ?? 0 };
      backend.seen.push(seen);
      const custom = onRequest?.(req);
      const reply = () => {
        res.writeHead(custom?.status ?? 200, { "content-type": custom?.bodyBytes === undefined ? "application/json" : "application/octet-stream", ...custom?.headers });
        res.end(custom?.bodyBytes === undefined ? JSON.stringify(seen) : Buffer.alloc(custom.bodyBytes, "z"));
      };
      if (custom?.until) void custom.until.then(reply);
      else if (custom?.delayMs) setTimeout(reply, custom.delayMs);
      else reply();
    });
  });
  server.keepAliveTimeout = 60_000;
  if (options.maxHeadersCount !== undefined) server.maxHeadersCount = options.maxHeadersCount;
  server.on("connection", (socket) => connectionIds.set(socket, ++backend.connections));
  if (options.upgrades === false) {
    await listenBackend(server, listenOn, backend);
    return backend;
  }
  server.on("upgrade", (req, socket, head) => {
    backend.seen.push({ method: req.method!, url: req.url!, headers: req.headers, rawHeaders: req.rawHeaders, body: "", connection: connectionIds.get(req.socket) ?? 0 });
    socket.on("error", () => socket.destroy());
    socket.write("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n");
    // "/vanish": the backend drops the tunnel abruptly right after agreeing to it.
    if (req.url === "/vanish") return void socket.destroy();
    if (head.length) socket.write(head);
    socket.pipe(socket);
  });
  await listenBackend(server, listenOn, backend);
  return backend;
}

async function listenBackend(server: Server, listenOn: number | string, backend: Backend): Promise<void> {
  await new Promise<void>((resolve) => (typeof listenOn === "string" ? server.listen(listenOn, resolve) : server.listen(listenOn, "127.0.0.1", resolve)));
  const address = server.address();
  backend.server = server;
  backend.port = typeof address === "object" && address ? address.port : 0;
  backend.close = () => new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
}

/**
 * A backend that speaks raw bytes: `answer` gets each chunk a connection receives (and the
 * connection's number) and returns what to write back, for answers node:http would never send.
 */
export async function startRawBackend(answer: (data: string, connection: number) => string | undefined): Promise<{ port: number; connections: number; received: string[]; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const state = { port: 0, connections: 0, received: [] as string[], close: () => Promise.resolve() };
  const server = createNetServer((socket) => {
    const id = ++state.connections;
    sockets.add(socket);
    socket.on("error", () => undefined);
    socket.on("close", () => sockets.delete(socket));
    socket.on("data", (chunk: Buffer) => {
      const text = chunk.toString("latin1");
      state.received.push(text);
      const reply = answer(text, id);
      if (reply !== undefined) socket.write(reply, "latin1");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  state.port = (server.address() as { port: number }).port;
  state.close = () => new Promise((resolve) => {
    for (const socket of sockets) socket.destroy();
    server.close(() => resolve());
  });
  return state;
}

export const podName = "pod.example.test";

/** A proxy on loopback with ephemeral ports: `podName` served by `site`, plus any extra hosts and config. */
export async function startTestProxy(certs: CertificateSource, site: Partial<VirtualHost> & { routes: VirtualHost["routes"] }, extra: Partial<Omit<ProxyConfig, "limits" | "hosts">> & { limits?: Partial<ProxyLimits>; extraHosts?: VirtualHost[] } = {}): Promise<ProxyEngine & { httpsPort: number; httpPort: number }> {
  const { limits, extraHosts, ...rest } = extra;
  const config: ProxyConfig = {
    https: { port: 0, host: "127.0.0.1" },
    http: { port: 0, host: "127.0.0.1", redirectToHttps: false },
    passthrough: [],
    ...rest,
    hosts: [{ names: [podName], ...site }, ...(extraHosts ?? [])],
    limits: { ...defaultLimits, ...limits },
  };
  const engine = await startProxy(config, certs);
  const port = (proto: string) => engine.listeners().find((l) => l.proto === proto)?.port ?? 0;
  return Object.assign(engine, { httpsPort: port("https"), httpPort: port("http") });
}

const keepAlive = new Agent({ keepAlive: true, maxSockets: 32 });

/** A GET over a keep-alive connection with the Host header set (fetch may not set Host). */
export function httpGet(port: number, path: string, host = podName): Promise<{ status: number; body: string; headers: IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = request({ port, host: "127.0.0.1", path, headers: { host }, agent: keepAlive }, (res) => {
      let body = "";
      res.setEncoding("latin1");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on("error", reject);
    req.end();
  });
}

/** Write raw bytes and collect everything until the peer closes (or `untilText` shows up). */
export function rawExchange(port: number, text: string | Buffer, options: { tls?: boolean; servername?: string; untilText?: string; timeoutMs?: number } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket: Socket = options.tls
      ? tlsConnect({ port, host: "127.0.0.1", servername: options.servername ?? podName, rejectUnauthorized: false })
      : netConnect(port, "127.0.0.1");
    let out = "";
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no close within ${options.timeoutMs ?? 5000} ms; got: ${out.slice(0, 300)}`));
    }, options.timeoutMs ?? 5000);
    socket.on(options.tls ? "secureConnect" : "connect", () => socket.write(text));
    socket.on("data", (chunk: Buffer) => {
      out += chunk.toString("latin1");
      if (options.untilText && out.includes(options.untilText)) socket.end();
    });
    socket.on("error", () => undefined);
    socket.on("close", () => {
      clearTimeout(timer);
      resolve(out);
    });
  });
}

/** The status code of the first response in raw text. */
export function statusOf(response: string): number {
  return Number(/^HTTP\/1\.1 (\d{3})/.exec(response)?.[1] ?? 0);
}

/** The JSON body the backend echoed, from a raw response. */
export function echoed(response: string): SeenRequest {
  const body = response.slice(response.indexOf("\r\n\r\n") + 4);
  const json = body.includes("\r\n") && /^[0-9a-f]+\r\n/.test(body) ? body.replace(/^[0-9a-f]+\r\n/, "").replace(/\r\n0\r\n\r\n$/, "") : body;
  return JSON.parse(json) as SeenRequest;
}

export function openFds(): number {
  return readdirSync("/proc/self/fd").length;
}

/** The open descriptors that are the proxy's unnamed spool files. */
export function spoolFiles(): { fd: string; mode: number }[] {
  const found: { fd: string; mode: number }[] = [];
  for (const fd of readdirSync("/proc/self/fd")) {
    try {
      if (/podhost-proxy-.*\/body-[0-9a-f]+ \(deleted\)$/.test(readlinkSync(`/proc/self/fd/${fd}`))) found.push({ fd, mode: statSync(`/proc/self/fd/${fd}`).mode & 0o777 });
    } catch {
      // closed meanwhile
    }
  }
  return found;
}
