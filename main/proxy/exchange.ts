import { upstreamLabel, type ProxyLimits } from "./config";
import type { ClientConnection, Exchange, Framing } from "./connection";
import { clientResponseLines, isNotPassedOn } from "./headers";
import { ChunkedReader, HeadError, parseResponseHead, type RequestHead, type ResponseHead } from "./http1";
import { sendError } from "./pages";
import { Spool } from "./spool";
import type { Stats } from "./stats";
import { joinTunnel } from "./tunnel";
import { describeNetError, type UpstreamConnection, type UpstreamPool, type UpstreamUser } from "./upstream";

const maxResponseHead = 64 * 1024;
const crlfcrlf = Buffer.from("\r\n\r\n");
/** Methods a request may be sent again with when a kept-alive connection turned out closed. */
const replayable = new Set(["GET", "HEAD", "OPTIONS"]);
/** A request body is kept in memory up to this size, then in a temporary file (nginx: 8-16 KiB). */
const bodyMemoryBytes = 16 * 1024;
/** Of an answer its client does not take yet: in memory up to this, then in a temporary file (nginx's proxy_buffers: 32-64 KiB). */
const answerMemoryBytes = 64 * 1024;
/**
 * The most of one answer held for a slow client. Past it the upstream is paused (and its
 * connection held) until the client catches up or the send timeout cuts it off.
 */
const maxAnswerSpool = 64 * 1024 * 1024;
/** Bytes waiting for the disk before the source (client or upstream) is paused. */
const maxDiskBacklog = 256 * 1024;
const lastChunk = Buffer.from("0\r\n\r\n");

const enum Phase {
  /** Reading the request body (or waiting for the static lookup) before asking for a connection. */
  Collecting,
  /** Waiting for an upstream connection. */
  Waiting,
  Head,
  Body,
  Done,
}

export interface ForwardTarget {
  pool: UpstreamPool;
  /** The upstream request head without framing and the blank line (see `upstreamRequestHead`). */
  head: string;
  /** Path and query as the upstream sees them (for error messages). */
  path: string;
  prefix: string;
  host: string;
  /** The visitor's address as the pool's fair share counts it. */
  clientKey: string;
  /** The client asked to switch to WebSocket: a tunnel opens only if the upstream answers 101 with it. */
  upgrade?: "websocket";
}

/** What an exchange needs besides its request. */
export interface ExchangeContext {
  limits: ProxyLimits;
  stats: Stats;
  /** Where request bodies and slow clients' answers spill to disk. */
  spoolDir: string;
}

/**
 * Send `request` upstream as `target` and stream the answer back to `client`. The body is read
 * whole first; `ready` (the static-file lookup) must settle false before the request goes up
 * (true: it was answered here).
 */
export function forward(client: ClientConnection, request: RequestHead, target: ForwardTarget, context: ExchangeContext, ready?: Promise<boolean>): Exchange {
  const exchange = new ForwardExchange(client, request, target, context);
  if (ready) exchange.after(ready);
  return exchange;
}

/**
 * One request and its answer. The proxy frames both itself: the request goes up with a
 * Content-Length of the body it read, the answer goes down with its own Content-Length or
 * chunking (the upstream's chunk extensions and trailers are dropped). An upstream connection
 * is taken only once the body is in, and given back as soon as the answer is read, even when
 * the client is slow to take it (the rest waits in a spool).
 */
class ForwardExchange implements Exchange, UpstreamUser {
  readonly clientKey: string;
  private connection: UpstreamConnection | undefined;
  private phase = Phase.Collecting;
  private requestBody: Spool | undefined;
  private bodyEnded = false;
  private gated = false;
  private retried = false;
  private headBytes: Buffer | undefined;
  private framing: Framing = "none";
  private left = 0;
  private chunks: ChunkedReader | undefined;
  /** The client gets the answer chunked (re-framed); false: decoded (an HTTP/1.0 client). */
  private chunkToClient = true;
  private keepUpstream = true;
  /** What the client has not taken yet, while it lags. */
  private backlog: Spool | undefined;
  /** The client is behind: answer bytes go to the backlog, not to its socket. */
  private clientLags = false;
  /** The whole answer is read from the upstream; the backlog still goes to the client. */
  private answerRead = false;

  constructor(
    private readonly client: ClientConnection,
    private readonly request: RequestHead,
    private readonly target: ForwardTarget,
    private readonly context: ExchangeContext,
  ) {
    this.clientKey = target.clientKey;
  }

  after(ready: Promise<boolean>): void {
    this.gated = true;
    ready.then(
      (answered) => {
        this.gated = false;
        if (answered) return this.drop();
        this.go();
      },
      () => {
        this.drop();
        if (!this.client.destroyed) sendError(this.client, this.request, 500);
      },
    );
  }

  body(chunk: Buffer): void {
    if (this.phase !== Phase.Collecting) return;
    const spool = (this.requestBody ??= new Spool(this.context.spoolDir, bodyMemoryBytes));
    spool.append(chunk);
    if (spool.backlog > maxDiskBacklog) {
      this.client.pauseReading();
      spool.whenWritten(() => this.client.resumeReading());
    }
  }

  bodyEnd(): void {
    this.bodyEnded = true;
    this.go();
  }

  /** The body is in and nothing else holds the request back: ask for an upstream connection. */
  private go(): void {
    if (this.phase !== Phase.Collecting || !this.bodyEnded || this.gated) return;
    const failure = this.requestBody?.failure;
    if (failure) {
      this.context.stats.error(`Could not keep a request body in a temporary file: ${failure.message}.`);
      this.drop();
      return sendError(this.client, this.request, 500, true);
    }
    this.phase = Phase.Waiting;
    this.client.upstreamTimeout(this.context.limits.upstreamHeadersTimeoutMs, () => this.timedOut());
    if (this.target.upgrade) this.target.pool.dedicated(this);
    else this.target.pool.acquire(this);
  }

  attach(connection: UpstreamConnection): void {
    if (this.phase === Phase.Done) return connection.release();
    this.connection = connection;
    this.phase = Phase.Head;
    const framed = this.request.contentLength !== undefined || this.request.chunked;
    const head = framed ? `${this.target.head}Content-Length: ${this.requestBody?.total ?? 0}\r\n\r\n` : `${this.target.head}\r\n`;
    const socket = connection.socket;
    // A request without a body (the most common kind) is one plain write; one with a body held in memory, one writev.
    if (!this.requestBody) return void socket.write(head, "latin1");
    socket.cork();
    socket.write(head, "latin1");
    this.sendBody(connection);
    socket.uncork();
  }

  /** The request body from its spool, with backpressure from the upstream. */
  private sendBody(connection: UpstreamConnection): void {
    const spool = this.requestBody!;
    const socket = connection.socket;
    for (let piece = spool.next(); piece; piece = spool.next()) {
      if (!socket.write(piece)) return void socket.once("drain", () => this.connection === connection && this.sendBody(connection));
    }
    if (spool.held === 0) return spool.discard();
    spool.read((error, piece) => {
      if (this.connection !== connection || !piece) return;
      if (error) return this.failed(500, `its request body could not be read back from disk: ${error.message}`);
      if (socket.write(piece)) this.sendBody(connection);
      else socket.once("drain", () => this.connection === connection && this.sendBody(connection));
    });
  }

  /** Bytes from the upstream (`buffer` is reused after this returns: copy what is kept). */
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
      response = parseResponseHead(input.toString("latin1", 0, end), isNotPassedOn);
    } catch (error) {
      this.failed(502, error instanceof HeadError ? `it answered with ${error.message}` : "it answered with a malformed head");
      return -1;
    }
    const next = from + (end + 4 - offset);
    this.headBytes = undefined;
    if (response.status === 101) {
      const agreed = this.target.upgrade !== undefined && response.upgrade?.toLowerCase() === this.target.upgrade && response.connection.includes("upgrade");
      if (!agreed) this.failed(502, this.target.upgrade ? "it switched to another protocol than the one asked for" : "it switched protocols unasked");
      else this.switchProtocols(response, buffer.subarray(next, to));
      return -1;
    }
    // Informational answers (100, 103) stay between us and the upstream.
    if (response.status < 200) return next;
    this.startAnswer(response);
    if (this.phase === Phase.Body && this.framing !== "close" && this.left === 0 && !this.chunks) this.complete();
    return next;
  }

  /** The upstream agreed to the upgrade: both sockets become a tunnel, the bytes each side sent early first. */
  private switchProtocols(response: ResponseHead, early: Buffer): void {
    const connection = this.connection!;
    this.phase = Phase.Done;
    this.connection = undefined;
    this.client.upstreamTimeout(0);
    const server = connection.takeSocket();
    const { socket, rest } = this.client.detach();
    socket.write(`HTTP/1.1 101 Switching Protocols\r\n${response.kept}Connection: upgrade\r\nUpgrade: ${this.target.upgrade}\r\n\r\n`, "latin1");
    if (early.length) socket.write(Buffer.from(early));
    if (rest?.length) server.write(rest);
    joinTunnel(socket, server, this.context.limits);
  }

  private startAnswer(response: ResponseHead): void {
    const { status } = response;
    this.client.upstreamTimeout(0);
    this.phase = Phase.Body;
    let lines = clientResponseLines(response, this.target.prefix, this.target.host);
    // HEAD and 304 answers describe a body they don't carry: their length is passed as is.
    if (response.contentLength !== undefined && status !== 204) lines += `Content-Length: ${response.contentLength}\r\n`;
    if (this.request.method === "HEAD" || status === 204 || status === 304) {
      this.framing = "none";
      this.left = 0;
    } else if (response.chunked) {
      this.framing = "chunked";
      this.chunks = new ChunkedReader();
      this.chunkToClient = this.client.acceptsChunked;
      if (this.chunkToClient) lines += "Transfer-Encoding: chunked\r\n";
    } else if (response.contentLength !== undefined) {
      this.framing = "length";
      this.left = response.contentLength;
    } else {
      this.framing = "close";
      this.keepUpstream = false;
    }
    // An HTTP/1.0 answer, or one that says close, ends its connection: never back into the pool.
    if (response.minor === 0 || response.connection.includes("close") || this.target.upgrade) this.keepUpstream = false;
    this.client.writeHead(`HTTP/1.1 ${status} ${response.reason}\r\n${lines}`, this.framing === "chunked" && !this.chunkToClient ? "close" : this.framing);
  }

  private readBody(buffer: Buffer, from: number, to: number): number {
    let end = to;
    if (this.chunks) {
      try {
        end = from + this.chunks.feed(buffer, from, to, (a, b) => (this.chunkToClient ? this.passChunk(buffer, a, b) : this.pass(buffer, a, b)));
      } catch {
        this.failed(502, "its chunked answer was malformed");
        return to;
      }
      if (this.chunks.done) {
        if (this.chunkToClient) this.passOwned(lastChunk);
        this.complete();
      }
    } else if (this.framing === "length") {
      end = Math.min(to, from + this.left);
      this.left -= end - from;
      this.pass(buffer, from, end);
      if (this.left === 0) this.complete();
    } else this.pass(buffer, from, end);
    return end;
  }

  /** A run of decoded chunk data, sent on as one chunk of our own framing. */
  private passChunk(buffer: Buffer, from: number, to: number): void {
    if (from === to) return;
    const size = `${(to - from).toString(16)}\r\n`;
    const framed = Buffer.allocUnsafe(size.length + (to - from) + 2);
    framed.write(size, 0, "latin1");
    buffer.copy(framed, size.length, from, to);
    framed.write("\r\n", framed.length - 2, "latin1");
    this.passOwned(framed);
  }

  private passOwned(piece: Buffer): void {
    this.pass(piece, 0, piece.length, false);
  }

  /**
   * Answer bytes to the client; while it lags they go to the backlog instead (the upstream keeps
   * being read, so its connection is free again as soon as the answer is in).
   */
  private pass(buffer: Buffer, from: number, to: number, copy = true): void {
    if (from === to) return;
    if (this.clientLags) {
      const backlog = (this.backlog ??= new Spool(this.context.spoolDir, answerMemoryBytes));
      backlog.append(buffer.subarray(from, to));
      if (backlog.held > maxAnswerSpool || backlog.backlog > maxDiskBacklog) this.holdUpstream(backlog);
      return;
    }
    if (!this.client.sendCopy(buffer, from, to, copy)) this.awaitClient();
  }

  /** Stop reading the upstream until the backlog shrinks (it hit its size, or the disk lags). */
  private holdUpstream(backlog: Spool): void {
    const socket = this.connection?.socket;
    if (!socket || socket.isPaused()) return;
    socket.pause();
    backlog.whenWritten(() => {
      if (backlog.held <= maxAnswerSpool && this.connection?.socket === socket) socket.resume();
    });
  }

  /** The client drained: give it the backlog, as fast as it takes it. */
  private feedClient(): void {
    const backlog = this.backlog;
    if (this.client.destroyed) return;
    for (let piece = backlog?.next(); piece; piece = backlog!.next()) {
      if (!this.client.send(piece)) return this.awaitClient();
    }
    if (backlog && backlog.held > 0) {
      return backlog.read((error, piece) => {
        if (!piece || this.client.destroyed) return;
        if (error) return this.client.destroy();
        if (this.client.send(piece)) this.feedClient();
        else this.awaitClient();
      });
    }
    // All caught up: bytes go straight to the client again.
    this.clientLags = false;
    const socket = this.connection?.socket;
    if (socket?.isPaused()) socket.resume();
    if (this.answerRead) this.finishClient();
  }

  /** The client's socket is full: what comes next waits in the backlog until it drains. */
  private awaitClient(): void {
    this.clientLags = true;
    this.client.onDrain(() => this.feedClient());
  }

  /** The answer is read: the connection goes back to the pool, and the client moves on once it has the backlog. */
  private complete(): void {
    this.phase = Phase.Done;
    const connection = this.connection;
    this.connection = undefined;
    if (connection && this.keepUpstream && this.bodyEnded) {
      // Paused while the client caught up: the next exchange must find it reading.
      if (connection.socket.isPaused()) connection.socket.resume();
      connection.release();
    } else connection?.socket.destroy();
    this.answerRead = true;
    if (!this.clientLags) this.finishClient();
  }

  private finishClient(): void {
    this.backlog?.discard();
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
      if (this.framing === "close") {
        this.connection = connection;
        return this.complete();
      }
      this.phase = Phase.Done;
      connection?.socket.destroy();
      this.backlog?.discard();
      return this.client.destroy();
    }
    // A kept-alive connection the app closed just as we used it: once more on a new one.
    const stale = connection !== undefined && connection.uses > 1 && connection.connected && !this.headBytes;
    if (stale && !this.retried && replayable.has(this.request.method) && !this.requestBody) {
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
    this.drop();
    if (this.client.destroyed) return;
    const { stats } = this.context;
    stats.upstreamErrors++;
    stats.error(fullText ? why : `${upstreamLabel(this.target.pool.upstream)} failed ${this.request.method} ${this.target.path}: ${why}.`);
    if (answering) return this.client.destroy();
    sendError(this.client, this.request, status, this.target.upgrade !== undefined);
  }

  /** The client left, broke its body, or was too slow: drop the upstream side. */
  abort(): void {
    if (this.phase === Phase.Done && !this.backlog) return;
    this.client.upstreamTimeout(0);
    this.drop();
  }

  /**
   * Done with the upstream side: out of the pool's queue, a connection in use closed (it is
   * mid-exchange), and whatever is spooled let go.
   */
  private drop(): void {
    this.phase = Phase.Done;
    this.target.pool.forget(this);
    this.requestBody?.discard();
    this.backlog?.discard();
    const connection = this.connection;
    this.connection = undefined;
    if (connection) {
      connection.exchange = undefined;
      connection.socket.destroy();
    }
  }
}
