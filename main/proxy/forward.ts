import type { IncomingMessage, ServerResponse } from "node:http";
import { Transform, type TransformCallback } from "node:stream";
import { Pool } from "undici";
import { upstreamLabel, type ProxyLimits, type Upstream } from "./config";
import { clientResponseHeaders } from "./headers";
import { sendError } from "./pages";
import type { Stats } from "./stats";

/** One keep-alive pool per upstream: the backend sees at most `upstreamConnections` connections. */
export class UpstreamPools {
  private readonly pools = new Map<string, Pool>();
  /** The pool of each route's upstream object, so the per-request lookup builds no string. */
  private byUpstream = new WeakMap<Upstream, Pool>();

  constructor(private readonly limits: ProxyLimits) {}

  get(upstream: Upstream): Pool {
    const known = this.byUpstream.get(upstream);
    if (known) return known;
    const key = upstreamLabel(upstream);
    let pool = this.pools.get(key);
    if (!pool) {
      const isUnix = "socketPath" in upstream;
      const origin = isUnix ? "http://localhost" : `http://${key}`;
      pool = new Pool(origin, {
        connections: this.limits.upstreamConnections,
        pipelining: 1,
        keepAliveTimeout: 30_000,
        headersTimeout: this.limits.upstreamHeadersTimeoutMs,
        bodyTimeout: 5 * 60_000,
        connectTimeout: this.limits.upstreamConnectTimeoutMs,
        ...(isUnix ? { socketPath: upstream.socketPath } : {}),
      });
      this.pools.set(key, pool);
    }
    this.byUpstream.set(upstream, pool);
    return pool;
  }

  /** Close the pools of upstreams no longer routed to. */
  async retain(upstreams: Upstream[]): Promise<void> {
    const keep = new Set(upstreams.map(upstreamLabel));
    const gone = [...this.pools].filter(([key]) => !keep.has(key));
    for (const [key] of gone) this.pools.delete(key);
    this.byUpstream = new WeakMap();
    await Promise.all(gone.map(([, pool]) => pool.close()));
  }

  async close(): Promise<void> {
    const pools = [...this.pools.values()];
    this.pools.clear();
    this.byUpstream = new WeakMap();
    await Promise.all(pools.map((pool) => pool.destroy()));
  }
}

class BodyTooLarge extends Error {}

/** Counts a chunked body and fails once it passes the limit (a Content-Length is checked before we start). */
class BodyLimit extends Transform {
  private seen = 0;
  constructor(private readonly limit: number) {
    super();
  }
  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.seen += chunk.length;
    done(this.seen > this.limit ? new BodyTooLarge() : null, chunk);
  }
}

export interface ForwardTarget {
  pool: Pool;
  upstream: Upstream;
  /** Path and query as the upstream sees them. */
  path: string;
  headers: string[];
  prefix: string;
  host: string;
}

/**
 * Send one request upstream and stream the answer back. A bare undici dispatch handler: the
 * least work per request (no promise, no intermediate stream), with backpressure via
 * `resume` and the upstream request aborted when the client goes away.
 */
export function forward(req: IncomingMessage, res: ServerResponse, target: ForwardTarget, limits: ProxyLimits, stats: Stats): void {
  const length = req.headers["content-length"];
  const chunked = req.headers["transfer-encoding"] !== undefined;
  if (length !== undefined && Number(length) > limits.bodyBytes) {
    sendError(req, res, 413, true);
    return;
  }
  const body = chunked ? req.pipe(new BodyLimit(limits.bodyBytes)) : length !== undefined && length !== "0" ? req : null;
  target.pool.dispatch({ method: req.method as "GET", path: target.path, headers: target.headers, body }, new ForwardHandler(req, res, target, stats));
}

/** The upstream exchanges in flight for a client connection (several when the client pipelines). */
const inFlight = Symbol("podhost.inFlight");
type ClientSocket = IncomingMessage["socket"] & { [inFlight]?: Set<ForwardHandler> };

/** One listener per connection, not per request: abort upstream requests when the client leaves mid-answer. */
function abortOnClose(this: ClientSocket): void {
  for (const handler of this[inFlight] ?? []) handler.clientLeft();
}

class ForwardHandler {
  private abort: ((reason?: Error) => void) | undefined;
  private resume: (() => void) | undefined;
  /** The client socket, kept because a consumed request body lets go of it. */
  private readonly client: ClientSocket;

  constructor(
    private readonly req: IncomingMessage,
    private readonly res: ServerResponse,
    private readonly target: ForwardTarget,
    private readonly stats: Stats,
  ) {
    const client: ClientSocket = req.socket;
    this.client = client;
    let exchanges = client[inFlight];
    if (!exchanges) {
      exchanges = client[inFlight] = new Set();
      client.once("close", abortOnClose);
    }
    exchanges.add(this);
  }

  clientLeft(): void {
    if (!this.res.writableFinished) this.abort?.(new Error("the client went away"));
  }

  onConnect(abort: (reason?: Error) => void): void {
    this.abort = abort;
    if (this.res.destroyed || this.client.destroyed) abort(new Error("the client went away"));
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[], resume: () => void): boolean {
    if (statusCode < 200) return true; // informational answers stay between us and the upstream
    this.res.writeHead(statusCode, clientResponseHeaders(rawHeaders, this.target.prefix, this.target.host));
    this.resume = resume;
    return true;
  }

  onData(chunk: Buffer): boolean {
    const flowing = this.res.write(chunk);
    if (!flowing && this.resume) this.res.once("drain", this.resume);
    return flowing;
  }

  onComplete(): void {
    this.done();
    this.res.end();
  }

  private done(): void {
    this.client[inFlight]?.delete(this);
  }

  onError(error: Error & { code?: string }): void {
    const { req, res, target, stats } = this;
    this.done();
    if (res.destroyed || this.client.destroyed) return; // the client left; nothing to tell
    if (error instanceof BodyTooLarge) return sendError(req, res, 413, true);
    if (res.headersSent) return void res.destroy();
    stats.upstreamErrors++;
    const timedOut = error.code === "UND_ERR_HEADERS_TIMEOUT";
    stats.error(timedOut ? `${upstreamLabel(target.upstream)} took too long to answer ${req.method} ${target.path}.` : `Could not reach ${upstreamLabel(target.upstream)}: ${describeNetError(error)}.`);
    sendError(req, res, timedOut ? 504 : 502);
  }
}

export function describeNetError(error: Error & { code?: string }): string {
  switch (error.code) {
    case "ECONNREFUSED":
      return "nothing is listening there (connection refused)";
    case "ENOENT":
      return "the socket file does not exist";
    case "UND_ERR_CONNECT_TIMEOUT":
    case "ETIMEDOUT":
      return "the connection timed out";
    case "EHOSTUNREACH":
      return "the host is unreachable";
    case "UND_ERR_SOCKET":
    case "ECONNRESET":
      return "the connection was closed before an answer";
    default:
      return error.message;
  }
}
