import { STATUS_CODES } from "node:http";
import type { Socket } from "node:net";
import type { TLSSocket } from "node:tls";
import type { ProxyLimits } from "./config";
import { errorAnswer } from "./pages";
import { ChunkedReader, HeadError, parseRequestHead, type RequestHead } from "./http1";

/** A whole answer kept for reuse by `respondReusable`, with what it was built for. */
export interface ReusableAnswer {
  bytes?: Buffer;
  date?: string;
  connection?: string;
}

/** Where a request's body goes once the engine took the request on. */
export interface Exchange {
  /** A piece of the (decoded) request body. */
  body(chunk: Buffer): void;
  /** The request body is complete (also called at once for a request without one). */
  bodyEnd(): void;
  /** The client went away, its body broke a rule, or it was too slow. */
  abort(): void;
}

/** The engine's part: answer the request on `connection`, and return an exchange when its body is wanted. */
export type RequestHandler = (connection: ClientConnection, request: RequestHead) => Exchange | undefined;

/** How the body of a streamed answer is delimited. */
export type Framing = "length" | "chunked" | "none" | "close";

const enum State {
  /** Reading a request head (or idle between requests). */
  Head,
  /** Reading the request body. */
  Body,
  /** The request is read; waiting for the answer to end. */
  Waiting,
  /** The socket belongs to a tunnel now (WebSocket). */
  Detached,
  Closed,
}

const crlfcrlf = Buffer.from("\r\n\r\n");
const continueLine = "HTTP/1.1 100 Continue\r\n\r\n";
/** Pipelined bytes kept while an answer is pending before we stop reading. */
const maxPipelined = 64 * 1024;
/** Head and body up to this size are joined into one write when the body must be copied anyway. */
const maxJoinedWrite = 64 * 1024;
/** ...and up to this size when it needn't be (a cached file): larger ones go out with their head in one writev. */
const maxJoinedUncopied = 4 * 1024;
/** After our FIN, how long a client may keep its side open. */
const lingerMs = 5000;

let dateSecond = 0;
let dateText = "";
/** The Date header value, formatted once a second. */
export function httpDate(): string {
  const now = Date.now();
  const second = Math.floor(now / 1000);
  if (second !== dateSecond) {
    dateSecond = second;
    dateText = new Date(now).toUTCString();
  }
  return dateText;
}

/** What connections share: limits, the handler, and the set the timeout sweep walks. */
export class ConnectionHost {
  readonly connections = new Set<ClientConnection>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    readonly limits: ProxyLimits,
    readonly handle: RequestHandler,
  ) {
    const shortest = Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs, limits.keepAliveTimeoutMs, limits.upstreamHeadersTimeoutMs, limits.sendTimeoutMs);
    this.sweeper = setInterval(() => this.sweep(), Math.max(50, Math.min(1000, shortest / 4)));
    this.sweeper.unref();
  }

  accept(socket: Socket, proto: "http" | "https"): ClientConnection {
    const connection = new ClientConnection(socket, proto, this);
    this.connections.add(connection);
    return connection;
  }

  private sweep(): void {
    const now = Date.now();
    for (const connection of this.connections) connection.checkDeadlines(now);
  }

  close(): void {
    clearInterval(this.sweeper);
    for (const connection of this.connections) connection.destroy();
  }
}

/**
 * One client connection: reads requests one at a time (pipelined ones wait their turn), hands
 * each to the engine, and writes the answer the engine produces. Enforces the head and body
 * limits, 100-continue, keep-alive, and the header, request and idle timeouts.
 */
export class ClientConnection {
  readonly remoteAddress: string;
  /** The name a TLS client asked for (SNI), lower case; undefined on plain HTTP or without one. */
  readonly servername: string | undefined;
  private state = State.Head;
  private buffered: Buffer | undefined;
  private request: RequestHead | undefined;
  private exchange: Exchange | undefined;
  private bodyLeft = 0;
  private bodySeen = 0;
  private chunks: ChunkedReader | undefined;
  private requestDone = false;
  private answering = false;
  private answered = false;
  private closeAfterAnswer = false;
  private pumping = false;
  private awaitingDrain = false;
  /** An answer's head not written yet (see writeHead). */
  private pendingHead: string | undefined;
  private clientDeadline: number;
  /** What the client deadline means: cut a slow head or body (408), or close an idle connection. */
  private clientDeadlineIs: "head" | "body" | "idle" | "linger" = "head";
  private upstreamDeadline = 0;
  private onUpstreamDeadline: (() => void) | undefined;
  /** Answer bytes the client had taken at the last sweep that saw it take some, and when that was. */
  private takenBytes = 0;
  private takenAt = 0;

  constructor(
    readonly socket: Socket,
    readonly proto: "http" | "https",
    private readonly host: ConnectionHost,
  ) {
    this.remoteAddress = socket.remoteAddress ?? "";
    const sni = proto === "https" ? (socket as TLSSocket).servername : undefined;
    this.servername = typeof sni === "string" && sni ? sni.toLowerCase().replace(/\.$/, "") : undefined;
    this.clientDeadline = Date.now() + host.limits.headersTimeoutMs;
    socket.on("data", (chunk: Buffer) => this.read(chunk));
    socket.on("end", () => this.clientEnd());
    socket.on("error", () => socket.destroy());
    socket.once("close", () => this.closed());
  }

  get destroyed(): boolean {
    return this.state === State.Closed || this.socket.destroyed;
  }

  /** HTTP/1.0 clients can't read a chunked answer. */
  get acceptsChunked(): boolean {
    return this.request?.minor === 1;
  }

  private read(chunk: Buffer): void {
    if (this.state === State.Detached || this.state === State.Closed) return;
    if (this.state === State.Head && !this.buffered) this.expectHead();
    this.buffered = this.buffered ? Buffer.concat([this.buffered, chunk]) : chunk;
    if (this.state === State.Waiting) {
      if (this.buffered.length > maxPipelined + this.host.limits.headerBytes) this.socket.pause();
      return;
    }
    this.pump();
  }

  private expectHead(): void {
    this.clientDeadline = Date.now() + this.host.limits.headersTimeoutMs;
    this.clientDeadlineIs = "head";
  }

  /** Work through the buffered bytes: a loop, not recursion, however many requests are pipelined. */
  private pump(): void {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.buffered !== undefined) {
        if (this.state === State.Head) {
          // A client that sends requests without reading the answers gets no more until it catches up:
          // else each small request would queue an answer here, and memory grows without end.
          if (this.socket.writableNeedDrain) {
            this.awaitDrain();
            break;
          }
          if (!this.readHead()) break;
        } else if (this.state === State.Body) this.readBody(this.buffered);
        else break;
      }
    } finally {
      this.pumping = false;
    }
  }

  /** Stop reading until the client has taken the answers queued for it, then go on with the requests it sent. */
  private awaitDrain(): void {
    if (this.awaitingDrain) return;
    this.awaitingDrain = true;
    this.socket.pause();
    this.socket.once("drain", () => {
      this.awaitingDrain = false;
      if (this.state !== State.Head) return;
      this.socket.resume();
      this.pump();
    });
  }

  /** true when a whole head was read and its request begun. */
  private readHead(): boolean {
    let input = this.buffered!;
    // Empty lines before a request line are ignored (RFC 9112 2.2): some clients send one after a POST body.
    if (input[0] === 0x0d) {
      let skip = 0;
      while (input[skip] === 0x0d && input[skip + 1] === 0x0a) skip += 2;
      if (skip > 0) {
        this.buffered = input = input.subarray(skip);
        if (input.length === 0) {
          this.buffered = undefined;
          return false;
        }
      }
    }
    const end = input.indexOf(crlfcrlf);
    const limit = this.host.limits.headerBytes;
    if (end < 0 || end > limit) {
      if (end > limit || input.length > limit) this.refuse(431);
      return false;
    }
    let request: RequestHead;
    try {
      request = parseRequestHead(input.toString("latin1", 0, end));
    } catch (error) {
      this.refuse(error instanceof HeadError ? error.status : 400);
      return false;
    }
    this.buffered = end + 4 < input.length ? input.subarray(end + 4) : undefined;
    this.begin(request);
    return true;
  }

  private begin(request: RequestHead): void {
    const limits = this.host.limits;
    this.request = request;
    this.requestDone = false;
    this.answering = false;
    this.answered = false;
    this.bodySeen = 0;
    this.bodyLeft = request.contentLength ?? 0;
    this.chunks = request.chunked ? new ChunkedReader() : undefined;
    const hasBody = this.chunks !== undefined || this.bodyLeft > 0;
    if (!request.keepAlive) this.closeAfterAnswer = true;
    if (this.bodyLeft > limits.bodyBytes) return this.refuse(413);
    if (hasBody && request.expect !== undefined && request.expect !== "100-continue") return this.refuse(417);
    this.state = hasBody ? State.Body : State.Waiting;
    this.clientDeadline = hasBody ? this.clientDeadline - limits.headersTimeoutMs + limits.requestTimeoutMs : 0;
    this.clientDeadlineIs = "body";
    this.exchange = this.host.handle(this, request);
    if (this.state !== State.Body && this.state !== State.Waiting) return; // detached or closed by the handler
    if (hasBody && request.expect === "100-continue" && this.exchange && !this.answering && !this.answered) this.socket.write(continueLine);
    if (!hasBody) this.bodyComplete();
  }

  /** Take the body's bytes from `input`; what follows it stays buffered for the next request. */
  private readBody(input: Buffer): void {
    let used: number;
    if (this.chunks) {
      try {
        used = this.chunks.feed(input, 0, input.length, (from, to) => this.deliver(input.subarray(from, to)));
      } catch {
        return this.bodyBroken(400);
      }
      if (this.state !== State.Body) return; // the limit was hit while delivering
    } else {
      used = Math.min(this.bodyLeft, input.length);
      this.bodyLeft -= used;
      this.deliver(used === input.length ? input : input.subarray(0, used));
    }
    this.buffered = used < input.length ? input.subarray(used) : undefined;
    if (this.chunks ? this.chunks.done : this.bodyLeft === 0) this.bodyComplete();
  }

  private deliver(piece: Buffer): void {
    if (this.state !== State.Body || piece.length === 0) return;
    this.bodySeen += piece.length;
    if (this.bodySeen > this.host.limits.bodyBytes) return this.bodyBroken(413);
    this.exchange?.body(piece);
  }

  /** A body that broke the limit or its framing: the exchange is dropped and the connection ends. */
  private bodyBroken(status: number): void {
    this.exchange?.abort();
    this.exchange = undefined;
    if (this.answering || this.answered) this.destroy();
    else this.refuse(status);
  }

  private bodyComplete(): void {
    this.requestDone = true;
    this.state = State.Waiting;
    this.clientDeadline = 0;
    this.exchange?.bodyEnd();
    this.next();
  }

  /** Both the request and its answer are done: go on with the next request, or close. */
  private next(): void {
    if (!this.requestDone || !this.answered || this.state !== State.Waiting) return;
    this.exchange = undefined;
    this.request = undefined;
    if (this.closeAfterAnswer) return this.finish();
    this.state = State.Head;
    if (this.socket.isPaused()) this.socket.resume();
    if (this.buffered) {
      this.expectHead();
      this.pump();
    } else {
      this.clientDeadline = Date.now() + this.host.limits.keepAliveTimeoutMs;
      this.clientDeadlineIs = "idle";
    }
  }

  /**
   * The client sent its FIN. Between requests: close. In the middle of one: it went away (as
   * nginx reads it), so the upstream request is dropped rather than answered into the void.
   */
  private clientEnd(): void {
    if (this.state === State.Head && !this.buffered) this.finish();
    else this.destroy();
  }

  /** Send our FIN after what is queued, and give the client a moment to close its side. */
  private finish(): void {
    if (this.state === State.Closed) return;
    this.state = State.Closed;
    this.exchange?.abort();
    this.exchange = undefined;
    this.socket.end();
    this.clientDeadline = Date.now() + lingerMs;
    this.clientDeadlineIs = "linger";
  }

  /** An error answer to a request we won't read on: the connection closes after it. */
  refuse(status: number): void {
    this.closeAfterAnswer = true;
    this.buffered = undefined;
    if (this.state === State.Head) this.request = undefined;
    this.state = State.Waiting;
    this.requestDone = true;
    const { headers, body } = errorAnswer(status, false);
    this.respond(status, headers, body);
  }

  /** Close after the current answer (the engine could not trust or read the rest). */
  closeAfter(): void {
    this.closeAfterAnswer = true;
  }

  /** A whole answer made here: `headers` are "Name: value\r\n" lines, without framing. */
  respond(status: number, headers: string, body?: Buffer | string): void {
    const bytes = body === undefined ? 0 : typeof body === "string" ? Buffer.byteLength(body) : body.length;
    // A 304 describes a body it does not carry: no Content-Length.
    const length = status === 304 ? "" : `Content-Length: ${bytes}\r\n`;
    this.writeHead(`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? "Status"}\r\n${headers}Date: ${httpDate()}\r\n${length}`, status === 304 ? "none" : "length");
    if (body !== undefined && bytes > 0 && this.request?.method !== "HEAD") this.send(typeof body === "string" ? Buffer.from(body) : body);
    this.endAnswer();
  }

  /**
   * Start an answer: `head` is the status line and header lines, without Connection or the
   * final blank line. The client is told whether the connection stays open.
   */
  writeHead(head: string, framing: Framing): void {
    if (this.destroyed) return;
    this.answering = true;
    if (framing === "close" || (framing === "chunked" && !this.acceptsChunked)) this.closeAfterAnswer = true;
    // Held until the first piece of body, so a small answer leaves in one write (one packet).
    this.pendingHead = `${head}${this.connectionLine()}\r\n`;
  }

  /** The Connection header the client is told: whether this connection stays open after the answer. */
  private connectionLine(): string {
    return this.closeAfterAnswer ? "Connection: close\r\n" : this.request?.minor === 0 ? "Connection: keep-alive\r\n" : "";
  }

  /**
   * A whole answer that changes rarely (a cached file): built into one buffer once per second
   * (its Date) and Connection header, then written as is to every client that asks, in one write
   * and without a copy. `head` is the status line and headers without Date and Connection.
   */
  respondReusable(slot: ReusableAnswer, head: () => string, body: Buffer): void {
    if (this.destroyed) return;
    const date = httpDate();
    const connection = this.connectionLine();
    if (slot.bytes === undefined || slot.date !== date || slot.connection !== connection) {
      slot.bytes = Buffer.concat([Buffer.from(`${head()}Date: ${date}\r\n${connection}\r\n`, "latin1"), body]);
      slot.date = date;
      slot.connection = connection;
    }
    this.answering = true;
    // Never changed once written: a new second or header builds a new buffer.
    this.socket.write(slot.bytes);
    this.endAnswer();
  }

  /** A piece of the answer's body; false when the client is not keeping up (wait for `onDrain`). */
  send(chunk: Buffer): boolean {
    return this.sendCopy(chunk, 0, chunk.length, false);
  }

  /**
   * Bytes `from`..`to` of `source` as body, copied (the source may be reused once this returns);
   * `copy` false when the caller gives up the buffer and a copy is not needed.
   */
  sendCopy(source: Buffer, from: number, to: number, copy = true): boolean {
    if (this.destroyed) return true;
    const head = this.pendingHead;
    const bytes = to - from;
    // A small answer leaves in one write with its head (a copy we make anyway for a shared buffer).
    if (head !== undefined && head.length + bytes <= (copy ? maxJoinedWrite : maxJoinedUncopied)) {
      this.pendingHead = undefined;
      const joined = Buffer.allocUnsafe(head.length + bytes);
      joined.write(head, 0, "latin1");
      source.copy(joined, head.length, from, to);
      return this.socket.write(joined);
    }
    let piece = from === 0 && to === source.length ? source : source.subarray(from, to);
    if (copy) piece = Buffer.from(piece);
    if (head === undefined) return this.socket.write(piece);
    // A large body is not copied to join it: head and body go out together in one writev.
    this.pendingHead = undefined;
    this.socket.cork();
    this.socket.write(Buffer.from(head, "latin1"));
    const flowing = this.socket.write(piece);
    this.socket.uncork();
    return flowing;
  }

  private flushHead(): void {
    const head = this.pendingHead;
    this.pendingHead = undefined;
    if (head !== undefined && !this.destroyed) this.socket.write(head, "latin1");
  }

  onDrain(resume: () => void): void {
    this.socket.once("drain", resume);
  }

  endAnswer(): void {
    this.flushHead();
    this.answering = false;
    this.answered = true;
    this.upstreamDeadline = 0;
    if (this.state === State.Closed) return;
    if (!this.requestDone && this.closeAfterAnswer) return this.finish();
    // The rest of an unread body is read and dropped before the next request.
    if (!this.requestDone) this.exchange = undefined;
    this.next();
  }

  /** The answer broke off in the middle: the client can only learn it from the closed connection. */
  destroy(): void {
    this.state = State.Closed;
    this.socket.destroy();
  }

  /** Hand the socket (and any bytes after the request head) to a tunnel. */
  detach(): { socket: Socket; rest: Buffer | undefined } {
    this.state = State.Detached;
    this.clientDeadline = 0;
    this.host.connections.delete(this);
    this.socket.removeAllListeners("data");
    this.socket.removeAllListeners("end");
    return { socket: this.socket, rest: this.buffered };
  }

  pauseReading(): void {
    this.socket.pause();
  }

  resumeReading(): void {
    if (this.state === State.Body) this.socket.resume();
  }

  /** Arm (ms > 0) or clear the upstream's deadline; `expired` runs when it passes first. */
  upstreamTimeout(ms: number, expired?: () => void): void {
    this.upstreamDeadline = ms > 0 ? Date.now() + ms : 0;
    this.onUpstreamDeadline = expired;
  }

  checkDeadlines(now: number): void {
    if (this.sendStalled(now)) return this.destroy();
    if (this.upstreamDeadline && now >= this.upstreamDeadline) {
      this.upstreamDeadline = 0;
      this.onUpstreamDeadline?.();
    }
    if (!this.clientDeadline || now < this.clientDeadline) return;
    this.clientDeadline = 0;
    const tooSlow = this.clientDeadlineIs === "head" || this.clientDeadlineIs === "body";
    if (tooSlow && !this.answering && !this.answered) {
      this.exchange?.abort();
      this.exchange = undefined;
      this.refuse(408);
    } else this.destroy();
  }

  /**
   * Whether the client took none of the answer queued for it for the send timeout (nginx's
   * send_timeout: the time between two successful writes, not for the whole answer).
   */
  private sendStalled(now: number): boolean {
    const queued = this.socket.writableLength;
    // Bytes the kernel took from us so far (bytesWritten counts the queued ones too).
    const taken = this.socket.bytesWritten - queued;
    if (queued === 0 || taken > this.takenBytes) {
      this.takenBytes = taken;
      this.takenAt = now;
      return false;
    }
    return now - this.takenAt >= this.host.limits.sendTimeoutMs;
  }

  private closed(): void {
    this.state = State.Closed;
    this.host.connections.delete(this);
    this.exchange?.abort();
    this.exchange = undefined;
  }
}
