/**
 * The recording backend: a raw TCP server that reads what a proxy sends it with a strict parser
 * of its own (not podhost's, which is what is under test, and not node:http, which hides a
 * desync by answering on its own terms) and logs every request with the upstream connection it
 * came on. A desync shows here as more requests than the client sent, a body read as a request,
 * or bytes it can't parse at all. Every answer names the request it answers, so the client can
 * tell whose answer it got.
 */
import { createHash } from "node:crypto";
import { createServer, type Server, type Socket } from "node:net";

export interface RecordedRequest {
  /** Order of arrival at this backend, from 1. */
  seq: number;
  /** Which upstream connection (from 1) and which request on it (from 1). */
  connection: number;
  onConnection: number;
  method: string;
  target: string;
  version: string;
  /** As received, in order. */
  headers: [string, string][];
  body: Buffer;
  bodySha256: string;
  framing: "length" | "chunked" | "none";
  /** Trailer fields of a chunked body. */
  trailers: string[];
}

/** Something the backend could not read as HTTP: what a proxy must never send. */
export interface ProtocolError {
  connection: number;
  why: string;
  /** The bytes it choked on (up to 200, latin1). */
  near: string;
}

/**
 * How the backend answers, set per case: most cases want the echo; some need an upstream that
 * answers the way a specific class of hole needs (HTTP/1.0, a 101, trailers).
 */
export type AnswerScript =
  /** 200 with Content-Length, keep-alive; an Upgrade request gets an ordinary 200 too (the upstream refuses to switch). */
  | "echo"
  /** HTTP/1.0 200 with Content-Length and no keep-alive, then it reads nothing more on that connection (an old server). */
  | "http10"
  /** 101 to an Upgrade: websocket request, then echoes raw bytes (a WebSocket server). */
  | "upgrade"
  /** A chunked 200 with trailer fields, one with a value a client must never get raw. */
  | "trailers";

export interface Recorder {
  port: number;
  requests: RecordedRequest[];
  errors: ProtocolError[];
  /** Raw bytes received inside 101 tunnels, per connection. */
  tunnelled: Map<number, string>;
  /** Bytes received in total: the harness waits for this to stop moving. */
  received: number;
  script: AnswerScript;
  close(): Promise<void>;
}

const maxHead = 256 * 1024;
const tokenRe = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const requestLineRe = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+) ([\x21-\x7e]+) (HTTP\/1\.[01])$/;
const fieldValueRe = /^[\t\x20-\x7e\x80-\xff]*$/;

class ParseError extends Error {}

/** One head, strictly: CRLF only, token names, no whitespace before the colon, no obs-fold. */
function parseHead(text: string): Pick<RecordedRequest, "method" | "target" | "version" | "headers"> {
  const lines = text.split("\r\n");
  const line = requestLineRe.exec(lines[0]!);
  if (!line) throw new ParseError(`a malformed request line ${JSON.stringify(lines[0])}`);
  const headers: [string, string][] = [];
  for (const field of lines.slice(1)) {
    const colon = field.indexOf(":");
    const name = field.slice(0, colon);
    const value = field.slice(colon + 1).replace(/^[ \t]+|[ \t]+$/g, "");
    if (colon <= 0 || !tokenRe.test(name) || !fieldValueRe.test(value) || /[\r\n]/.test(field)) throw new ParseError(`a malformed header line ${JSON.stringify(field)}`);
    headers.push([name, value]);
  }
  return { method: line[1]!, target: line[2]!, version: line[3]!, headers };
}

function framingOf(headers: [string, string][]): { framing: RecordedRequest["framing"]; length: number } {
  const lengths = headers.filter(([n]) => n.toLowerCase() === "content-length").map(([, v]) => v);
  const codings = headers.filter(([n]) => n.toLowerCase() === "transfer-encoding").map(([, v]) => v);
  if (lengths.length && codings.length) throw new ParseError("both Content-Length and Transfer-Encoding");
  if (codings.length) {
    if (codings.length > 1 || codings[0]!.toLowerCase() !== "chunked") throw new ParseError(`Transfer-Encoding ${JSON.stringify(codings.join(", "))}`);
    return { framing: "chunked", length: 0 };
  }
  if (lengths.length > 1 || (lengths.length === 1 && !/^\d{1,15}$/.test(lengths[0]!))) throw new ParseError(`Content-Length ${JSON.stringify(lengths.join(", "))}`);
  return lengths.length ? { framing: "length", length: Number(lengths[0]) } : { framing: "none", length: 0 };
}

/** A chunked body from `at`: the body, its trailers and where it ends; undefined when more bytes are needed. */
function readChunked(input: Buffer, at: number): { body: Buffer; trailers: string[]; end: number } | undefined {
  const pieces: Buffer[] = [];
  let i = at;
  for (;;) {
    const lineEnd = input.indexOf("\r\n", i);
    if (lineEnd < 0) return undefined;
    const sizeLine = input.toString("latin1", i, lineEnd);
    const size = /^([0-9a-fA-F]{1,12})(;[\x20-\x7e\t]*)?$/.exec(sizeLine);
    if (!size) throw new ParseError(`a malformed chunk size line ${JSON.stringify(sizeLine)}`);
    const length = parseInt(size[1]!, 16);
    i = lineEnd + 2;
    if (length === 0) break;
    if (input.length < i + length + 2) return undefined;
    pieces.push(input.subarray(i, i + length));
    if (input[i + length] !== 0x0d || input[i + length + 1] !== 0x0a) throw new ParseError("chunk data without its CRLF");
    i += length + 2;
  }
  const trailers: string[] = [];
  for (;;) {
    const lineEnd = input.indexOf("\r\n", i);
    if (lineEnd < 0) return undefined;
    const line = input.toString("latin1", i, lineEnd);
    i = lineEnd + 2;
    if (line === "") return { body: Buffer.concat(pieces), trailers, end: i };
    if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+:[\t\x20-\x7e\x80-\xff]*$/.test(line)) throw new ParseError(`a malformed trailer ${JSON.stringify(line)}`);
    trailers.push(line);
  }
}

/** The answer body: names the request so whoever gets it can tell whose it is. */
export function answerText(request: RecordedRequest): string {
  return `seen #${request.seq} ${request.method} ${request.target} body=${request.body.length}`;
}

function answer(request: RecordedRequest, script: AnswerScript): { bytes: string; then: "keep" | "ignore" | "tunnel" } {
  const text = answerText(request);
  const upgrade = request.headers.find(([n]) => n.toLowerCase() === "upgrade")?.[1];
  if (script === "upgrade" && upgrade?.toLowerCase() === "websocket") {
    return { bytes: "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n", then: "tunnel" };
  }
  if (script === "http10") return { bytes: `HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: ${text.length}\r\n\r\n${text}`, then: "ignore" };
  if (script === "trailers") {
    return { bytes: `HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTrailer: X-Checksum\r\nTransfer-Encoding: chunked\r\n\r\n${text.length.toString(16)}\r\n${text}\r\n0\r\nX-Checksum: 1\r\nSet-Cookie: trailer=raw\r\n\r\n`, then: "keep" };
  }
  return { bytes: `HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-Seen: ${request.seq}\r\nContent-Length: ${text.length}\r\n\r\n${text}`, then: "keep" };
}

export async function startRecorder(): Promise<Recorder> {
  let connections = 0;
  const sockets = new Set<Socket>();
  const recorder: Recorder = { port: 0, requests: [], errors: [], tunnelled: new Map(), received: 0, script: "echo", close: async () => {} };

  const serve = (socket: Socket) => {
    const id = ++connections;
    sockets.add(socket);
    socket.on("error", () => socket.destroy());
    let buffered = Buffer.alloc(0);
    let onConnection = 0;
    let mode: "http" | "ignore" | "tunnel" = "http";
    socket.once("close", () => {
      sockets.delete(socket);
      // Part of a request and then nothing: the proxy sent the app a request it could not finish.
      if (mode === "http" && buffered.length > 0) recorder.errors.push({ connection: id, why: "the connection closed in the middle of a request", near: buffered.toString("latin1", 0, 200) });
    });
    socket.on("data", (chunk: Buffer) => {
      recorder.received += chunk.length;
      if (mode === "ignore") return;
      if (mode === "tunnel") {
        recorder.tunnelled.set(id, (recorder.tunnelled.get(id) ?? "") + chunk.toString("latin1"));
        return void socket.write(chunk);
      }
      buffered = Buffer.concat([buffered, chunk]);
      try {
        while (mode === "http" && buffered.length > 0) {
          const headEnd = buffered.indexOf("\r\n\r\n");
          if (headEnd < 0) {
            if (buffered.length > maxHead) throw new ParseError("a head over 256 KiB");
            return;
          }
          const head = parseHead(buffered.toString("latin1", 0, headEnd));
          const { framing, length } = framingOf(head.headers);
          const bodyAt = headEnd + 4;
          let body: Buffer;
          let trailers: string[] = [];
          let end: number;
          if (framing === "chunked") {
            const read = readChunked(buffered, bodyAt);
            if (!read) return;
            ({ body, trailers, end } = read);
          } else {
            if (buffered.length < bodyAt + length) return;
            body = Buffer.from(buffered.subarray(bodyAt, bodyAt + length));
            end = bodyAt + length;
          }
          buffered = buffered.subarray(end);
          const request: RecordedRequest = {
            seq: recorder.requests.length + 1,
            connection: id,
            onConnection: ++onConnection,
            ...head,
            body,
            bodySha256: createHash("sha256").update(body).digest("hex").slice(0, 16),
            framing,
            trailers,
          };
          recorder.requests.push(request);
          const reply = answer(request, recorder.script);
          socket.write(reply.bytes, "latin1");
          if (reply.then === "ignore") mode = "ignore";
          if (reply.then === "tunnel") {
            mode = "tunnel";
            if (buffered.length) {
              recorder.tunnelled.set(id, buffered.toString("latin1"));
              socket.write(buffered);
            }
          }
        }
      } catch (error) {
        if (!(error instanceof ParseError)) throw error;
        recorder.errors.push({ connection: id, why: error.message, near: buffered.toString("latin1", 0, 200) });
        socket.end("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        mode = "ignore";
      }
    });
  };

  const server: Server = createServer({ noDelay: true }, serve);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  recorder.port = (server.address() as { port: number }).port;
  recorder.close = () =>
    new Promise((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    });
  return recorder;
}

/** Header names that tell the backend who the visitor is: only the proxy may write them. */
export function isForwardingHeader(lower: string): boolean {
  return lower === "forwarded" || lower === "x-real-ip" || lower.startsWith("x-forwarded-");
}
