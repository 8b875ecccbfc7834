import { connect, type Socket } from "node:net";
import { upstreamLabel, type ProxyLimits, type Upstream } from "./config";
import type { ClientConnection, Exchange, Framing } from "./connection";
import { clientResponseLines, isHopByHop } from "./headers";
import { ChunkedReader, HeadError, parseResponseHead, type RequestHead, type ResponseHead } from "./http1";
import { sendError } from "./pages";
import type { Stats } from "./stats";

/** Keep-alive connections idle longer than this are closed (the app may close them first). */
const idleUpstreamMs = 30_000;
const maxResponseHead = 64 * 1024;
const crlfcrlf = Buffer.from("\r\n\r\n");
/** Request bodies held while waiting for an upstream connection before the client is paused. */
const maxQueuedBody = 64 * 1024;
/** Methods a request may be sent again with when a kept-alive connection turned out closed. */
const replayable = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * Every upstream socket reads into this one buffer (no allocation per read); whatever must
 * outlive a read callback is copied out of it.
 */
const readBuffer = Buffer.allocUnsafe(64 * 1024);

/** One keep-alive pool per upstream: the backend sees at most `upstreamConnections` connections. */
export class UpstreamPools {
  private readonly pools = new Map<string, UpstreamPool>();
  /** The pool of each route's upstream object, so the per-request lookup builds no string. */
  private byUpstream = new WeakMap<Upstream, UpstreamPool>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly limits: ProxyLimits) {
    this.sweeper = setInterval(() => {
      const now = Date.now();
      for (const pool of this.pools.values()) pool.closeIdle(now - idleUpstreamMs);
    }, idleUpstreamMs / 3);
    this.sweeper.unref();
  }

  get(upstream: Upstream): UpstreamPool {
    const known = this.byUpstream.get(upstream);
    if (known) return known;
    const key = upstreamLabel(upstream);
    let pool = this.pools.get(key);
    if (!pool) this.pools.set(key, (pool = new UpstreamPool(upstream, this.limits)));
    this.byUpstream.set(upstream, pool);
    return pool;
  }

  /** Close the pools of upstreams no longer routed to (their requests in flight finish first). */
  retain(upstreams: Upstream[]): void {
    const keep = new Set(upstreams.map(upstreamLabel));
    for (const [key, pool] of this.pools) {
      if (keep.has(key)) continue;
      this.pools.delete(key);
      pool.retire();
    }
    this.byUpstream = new WeakMap();
  }

  close(): void {
    clearInterval(this.sweeper);
    for (const pool of this.pools.values()) pool.destroy();
    this.pools.clear();
    this.byUpstream = new WeakMap();
  }
}

export class UpstreamPool {
  private readonly idle: UpstreamConnection[] = [];
  private readonly waiting: ForwardExchange[] = [];
  private readonly open = new Set<UpstreamConnection>();
  private retired = false;

  constructor(
    readonly upstream: Upstream,
    private readonly limits: ProxyLimits,
  ) {}

  /** Give `exchange` a connection: an idle one, a new one, or the next one released. */
  acquire(exchange: ForwardExchange, fresh = false): void {
    const reused = fresh ? undefined : this.idle.pop();
    if (reused) return exchange.attach(reused);
    if (this.open.size < this.limits.upstreamConnections) return exchange.attach(this.connect());
    this.waiting.push(exchange);
  }

  /** An exchange that no longer wants a connection (its client left while it waited). */
  forget(exchange: ForwardExchange): void {
    const at = this.waiting.indexOf(exchange);
    if (at >= 0) this.waiting.splice(at, 1);
  }

  release(connection: UpstreamConnection): void {
    connection.exchange = undefined;
    if (this.retired) return void connection.socket.destroy();
    connection.idleSince = Date.now();
    const next = this.waiting.shift();
    if (next) next.attach(connection);
    else this.idle.push(connection);
  }

  /** A connection closed or was given up: its place goes to the next waiting exchange. */
  dropped(connection: UpstreamConnection): void {
    if (!this.open.delete(connection)) return;
    const at = this.idle.indexOf(connection);
    if (at >= 0) this.idle.splice(at, 1);
    const next = this.waiting.shift();
    if (next) next.attach(this.connect());
  }

  /** No longer routed to: idle connections close now, busy ones when their exchange ends. */
  retire(): void {
    this.retired = true;
    this.closeIdle(Infinity);
  }

  closeIdle(before: number): void {
    for (const connection of this.idle.filter((c) => c.idleSince < before)) connection.socket.destroy();
  }

  destroy(): void {
    for (const connection of this.open) connection.socket.destroy();
  }

  private connect(): UpstreamConnection {
    const connection = new UpstreamConnection(this, this.upstream, this.limits.upstreamConnectTimeoutMs);
    this.open.add(connection);
    return connection;
  }
}

class UpstreamConnection {
  readonly socket: Socket;
  exchange: ForwardExchange | undefined;
  connected = false;
  /** Exchanges this connection has carried (a reused one may have been closed by the app meanwhile). */
  uses = 0;
  idleSince = 0;

  constructor(
    private readonly pool: UpstreamPool,
    upstream: Upstream,
    connectTimeoutMs: number,
  ) {
    const onread = { buffer: readBuffer, callback: (bytes: number) => this.received(bytes) };
    const socket = "socketPath" in upstream ? connect({ path: upstream.socketPath, onread }) : connect({ host: upstream.host, port: upstream.port, onread, noDelay: true });
    this.socket = socket;
    socket.setTimeout(connectTimeoutMs, () => socket.destroy(Object.assign(new Error("connect timeout"), { code: "ETIMEDOUT" })));
    socket.once("connect", () => {
      this.connected = true;
      socket.setTimeout(0);
    });
    socket.on("error", (error: Error & { code?: string }) => this.exchange?.upstreamFailed(error));
    socket.on("end", () => this.exchange?.upstreamEnded());
    socket.once("close", () => {
      const exchange = this.exchange;
      this.exchange = undefined;
      pool.dropped(this);
      exchange?.upstreamFailed(Object.assign(new Error("closed"), { code: "ECONNRESET" }));
    });
  }

  /** true: keep reading (backpressure pauses the socket itself). */
  private received(bytes: number): boolean {
    // Bytes on an idle connection: the app spoke out of turn, so the connection can't be trusted.
    if (this.exchange) this.exchange.received(readBuffer, bytes);
    else this.socket.destroy();
    return true;
  }

  give(exchange: ForwardExchange): void {
    this.exchange = exchange;
    this.uses++;
  }

  release(): void {
    this.pool.release(this);
  }
}

const enum Phase {
  Waiting,
  Head,
  Body,
  Done,
}

export interface ForwardTarget {
  pool: UpstreamPool;
  /** The upstream request head, complete. */
  head: string;
  /** Path and query as the upstream sees them (for error messages). */
  path: string;
  prefix: string;
  host: string;
}

/** Send `request` upstream as `target` and stream the answer back to `client`. */
export function forward(client: ClientConnection, request: RequestHead, target: ForwardTarget, limits: ProxyLimits, stats: Stats): Exchange {
  const exchange = new ForwardExchange(client, request, target, limits, stats);
  exchange.start();
  return exchange;
}

/**
 * One request and its answer between a client connection and an upstream connection: the head
 * and body go up (a chunked body re-framed), the answer's head is cleaned and its body passed
 * on as it arrives, with backpressure both ways.
 */
class ForwardExchange implements Exchange {
  private connection: UpstreamConnection | undefined;
  private phase = Phase.Waiting;
  private queuedBody: Buffer[] = [];
  private queuedBytes = 0;
  private bodyEnded = false;
  private retried = false;
  private headBytes: Buffer | undefined;
  private framing: Framing = "none";
  private left = 0;
  private chunks: ChunkedReader | undefined;
  /** The client gets the chunked body as is; false: decoded (an HTTP/1.0 client). */
  private passChunks = true;
  private keepUpstream = true;
  /** The client's body is paused until the upstream drains. */
  private waitingForUpstream = false;
  /** The upstream's answer is paused until the client drains. */
  private waitingForClient = false;

  constructor(
    private readonly client: ClientConnection,
    private readonly request: RequestHead,
    private readonly target: ForwardTarget,
    private readonly limits: ProxyLimits,
    private readonly stats: Stats,
  ) {}

  start(): void {
    this.client.upstreamTimeout(this.limits.upstreamHeadersTimeoutMs, () => this.timedOut());
    this.target.pool.acquire(this);
  }

  attach(connection: UpstreamConnection): void {
    if (this.phase === Phase.Done) return connection.release();
    this.connection = connection;
    connection.give(this);
    this.phase = Phase.Head;
    const socket = connection.socket;
    // A request without a body (the most common kind) is one plain write; one with a body, one writev.
    const withBody = this.queuedBody.length > 0 || (this.bodyEnded && this.request.chunked);
    if (withBody) socket.cork();
    socket.write(this.target.head, "latin1");
    for (const piece of this.queuedBody) this.sendBody(piece);
    if (this.bodyEnded) this.sendBodyEnd();
    if (withBody) socket.uncork();
    this.queuedBody = [];
    if (this.queuedBytes > maxQueuedBody) this.client.resumeReading();
  }

  body(chunk: Buffer): void {
    if (this.phase === Phase.Waiting) {
      this.queuedBody.push(chunk);
      this.queuedBytes += chunk.length;
      if (this.queuedBytes > maxQueuedBody) this.client.pauseReading();
      return;
    }
    // One wait for the upstream to drain, however many chunks of the body arrive meanwhile.
    if (this.phase !== Phase.Done && !this.sendBody(chunk) && !this.waitingForUpstream) {
      this.waitingForUpstream = true;
      this.client.pauseReading();
      this.connection!.socket.once("drain", () => {
        this.waitingForUpstream = false;
        this.client.resumeReading();
      });
    }
  }

  bodyEnd(): void {
    this.bodyEnded = true;
    if (this.phase !== Phase.Waiting && this.phase !== Phase.Done) this.sendBodyEnd();
  }

  private sendBody(chunk: Buffer): boolean {
    const socket = this.connection!.socket;
    if (!this.request.chunked) return socket.write(chunk);
    socket.write(`${chunk.length.toString(16)}\r\n`, "latin1");
    socket.write(chunk);
    return socket.write("\r\n", "latin1");
  }

  private sendBodyEnd(): void {
    if (this.request.chunked) this.connection!.socket.write("0\r\n\r\n", "latin1");
  }

  /** Bytes from the upstream, in the shared read buffer: copy what is kept. */
  received(buffer: Buffer, bytes: number): void {
    let at = 0;
    while (at < bytes && this.phase !== Phase.Done) {
      if (this.phase === Phase.Head) {
        const taken = this.readHead(buffer, at, bytes);
        if (taken < 0) return;
        at = taken;
      } else if (this.phase === Phase.Body) at = this.readBody(buffer, at, bytes);
      else return; // an answer before we asked: ignored, the connection is not reused
    }
    // Bytes after the answer: the app spoke out of turn, so this connection can't be trusted again.
    if (at < bytes) this.keepUpstream = false;
  }

  /** The index after the head, or -1 when more bytes are needed or the answer failed. */
  private readHead(buffer: Buffer, from: number, to: number): number {
    let input: Buffer;
    let offset: number;
    if (this.headBytes) {
      input = this.headBytes = Buffer.concat([this.headBytes, buffer.subarray(from, to)]);
      offset = input.length - (to - from);
    } else {
      input = buffer.subarray(from, to);
      offset = 0;
    }
    const end = input.indexOf(crlfcrlf, Math.max(0, offset - 3));
    if (end < 0) {
      if (input.length > maxResponseHead) this.failed(502, "its answer's head was too large");
      else if (!this.headBytes) this.headBytes = Buffer.from(input);
      return -1;
    }
    let response: ResponseHead;
    try {
      response = parseResponseHead(input.toString("latin1", 0, end), isHopByHop);
    } catch (error) {
      this.failed(502, error instanceof HeadError ? `it answered with ${error.message}` : "it answered with a malformed head");
      return -1;
    }
    const next = from + (end + 4 - offset);
    this.headBytes = undefined;
    if (response.status === 101) {
      this.failed(502, "it switched protocols unasked");
      return -1;
    }
    // Informational answers (100, 103) stay between us and the upstream.
    if (response.status < 200) return next;
    this.startAnswer(response);
    if (this.phase === Phase.Body && this.framing !== "close" && this.left === 0 && !this.chunks) this.complete();
    return next;
  }

  private startAnswer(response: ResponseHead): void {
    const { status } = response;
    this.client.upstreamTimeout(0);
    this.phase = Phase.Body;
    let lines = clientResponseLines(response, this.target.prefix, this.target.host);
    if (this.request.method === "HEAD" || status === 204 || status === 304) {
      this.framing = "none";
      this.left = 0;
    } else if (response.chunked) {
      this.framing = "chunked";
      this.chunks = new ChunkedReader();
      this.passChunks = this.client.acceptsChunked;
      if (this.passChunks) lines += "Transfer-Encoding: chunked\r\n";
    } else if (response.contentLength !== undefined) {
      this.framing = "length";
      this.left = response.contentLength;
    } else {
      this.framing = "close";
      this.keepUpstream = false;
    }
    if (response.connection.includes("close")) this.keepUpstream = false;
    this.client.writeHead(`HTTP/1.1 ${status} ${response.reason}\r\n${lines}`, this.framing === "chunked" && !this.passChunks ? "close" : this.framing);
  }

  private readBody(buffer: Buffer, from: number, to: number): number {
    let end = to;
    if (this.chunks) {
      try {
        const decoded = this.passChunks ? undefined : (a: number, b: number) => this.pass(buffer, a, b);
        end = from + this.chunks.feed(buffer, from, to, decoded ?? noop);
      } catch {
        this.failed(502, "its chunked answer was malformed");
        return to;
      }
      if (this.passChunks) this.pass(buffer, from, end);
      if (this.chunks.done) this.complete();
    } else if (this.framing === "length") {
      end = Math.min(to, from + this.left);
      this.left -= end - from;
      this.pass(buffer, from, end);
      if (this.left === 0) this.complete();
    } else this.pass(buffer, from, end);
    return end;
  }

  /** Copy bytes of the shared buffer to the client, pausing the upstream when the client lags. */
  private pass(buffer: Buffer, from: number, to: number): void {
    if (from === to) return;
    if (!this.client.sendCopy(buffer, from, to) && this.connection && !this.waitingForClient) {
      this.waitingForClient = true;
      const socket = this.connection.socket;
      socket.pause();
      this.client.onDrain(() => {
        this.waitingForClient = false;
        socket.resume();
      });
    }
  }

  /** The answer is complete: the client moves on and the connection goes back to the pool. */
  private complete(): void {
    this.phase = Phase.Done;
    const connection = this.connection;
    this.connection = undefined;
    if (connection && this.keepUpstream && this.bodyEnded) {
      // Paused while the client caught up: the next exchange must find it reading.
      if (connection.socket.isPaused()) connection.socket.resume();
      connection.release();
    }
    else connection?.socket.destroy();
    this.client.endAnswer();
  }

  /** The upstream closed its side: the end of a close-delimited answer, else a failure. */
  upstreamEnded(): void {
    if (this.phase === Phase.Body && this.framing === "close") this.complete();
  }

  upstreamFailed(error: Error & { code?: string }): void {
    if (this.phase === Phase.Done) return;
    const connection = this.connection;
    this.connection = undefined;
    if (this.phase === Phase.Body) {
      if (this.framing === "close") return this.complete();
      this.phase = Phase.Done;
      connection?.socket.destroy();
      return this.client.destroy();
    }
    // A kept-alive connection the app closed just as we used it: once more on a new one.
    const stale = connection !== undefined && connection.uses > 1 && connection.connected && !this.headBytes;
    if (stale && !this.retried && replayable.has(this.request.method) && this.request.contentLength === undefined && !this.request.chunked) {
      this.retried = true;
      this.phase = Phase.Waiting;
      connection.exchange = undefined;
      return this.target.pool.acquire(this, true);
    }
    this.failed(502, `Could not reach ${upstreamLabel(this.target.pool.upstream)}: ${describeNetError(error)}.`, true);
  }

  private timedOut(): void {
    if (this.phase === Phase.Done) return;
    this.failed(504, `${upstreamLabel(this.target.pool.upstream)} took too long to answer ${this.request.method} ${this.target.path}.`, true);
  }

  /** Give up on the upstream: the client gets `status` (or a closed connection mid-answer). */
  private failed(status: number, why: string, fullText = false): void {
    const answering = this.phase === Phase.Body;
    this.dropUpstream();
    if (this.client.destroyed) return;
    this.stats.upstreamErrors++;
    this.stats.error(fullText ? why : `${upstreamLabel(this.target.pool.upstream)} failed ${this.request.method} ${this.target.path}: ${why}.`);
    if (answering) return this.client.destroy();
    sendError(this.client, this.request, status);
  }

  /** The client left or broke its body: drop the upstream side. */
  abort(): void {
    if (this.phase === Phase.Done) return;
    this.client.upstreamTimeout(0);
    this.dropUpstream();
  }

  /** Done with the upstream side: out of the pool's queue, and a connection in use closed (it is mid-exchange). */
  private dropUpstream(): void {
    this.phase = Phase.Done;
    this.target.pool.forget(this);
    const connection = this.connection;
    this.connection = undefined;
    if (connection) {
      connection.exchange = undefined;
      connection.socket.destroy();
    }
  }
}

function noop(): void {}

export function describeNetError(error: Error & { code?: string }): string {
  switch (error.code) {
    case "ECONNREFUSED":
      return "nothing is listening there (connection refused)";
    case "ENOENT":
      return "the socket file does not exist";
    case "ETIMEDOUT":
      return "the connection timed out";
    case "EHOSTUNREACH":
      return "the host is unreachable";
    case "ECONNRESET":
    case "EPIPE":
      return "the connection was closed before an answer";
    default:
      return error.message;
  }
}
