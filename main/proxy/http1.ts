/**
 * HTTP/1.1 message heads and chunked bodies, read strictly: anything two parsers could read
 * differently (bare CR or LF, obs-fold, whitespace before a colon, CL with TE, two
 * Content-Lengths, a coding other than chunked) is an error, never a guess. The proxy's data
 * path is built on these instead of node:http, which costs several times more per request
 * (see the proxy benchmark).
 */

import { METHODS } from "node:http";

/** A request head's fields in arrival order, with its framing. */
interface MessageHead extends MessageFraming {
  /** Header names as sent. */
  names: string[];
  /** The same names in lower case. */
  lower: string[];
  values: string[];
}

export interface RequestHead extends MessageHead {
  method: string;
  target: string;
  /** 0 for HTTP/1.0, 1 for HTTP/1.1. */
  minor: number;
  /** The Host header; undefined when missing or sent more than once. */
  host: string | undefined;
  hostCount: number;
  keepAlive: boolean;
  /**
   * "websocket" when the client asks to switch to it (Upgrade: websocket, with Connection naming
   * upgrade); undefined otherwise. No other protocol (h2c, TLS) is ever tunnelled: its Upgrade
   * header is dropped as hop-by-hop and the request goes on as an ordinary one.
   */
  upgrade: "websocket" | undefined;
  expect: string | undefined;
}

/** An upstream's answer head: its framing, and the header lines a client may get. */
export interface ResponseHead extends MessageFraming {
  /** 0 for HTTP/1.0 (its connection is never reused), 1 for HTTP/1.1. */
  minor: number;
  status: number;
  reason: string;
  /** The header lines `parseResponseHead` was told to keep, as received ("Name: value\r\n" each). */
  kept: string;
  /** The Upgrade header (what a 101 switches to). */
  upgrade: string | undefined;
}

/** How a message's body is delimited, and its Connection options. */
interface MessageFraming {
  /** Body length from Content-Length; undefined when there is none. */
  contentLength: number | undefined;
  chunked: boolean;
  /** The tokens of the Connection header, lower case. */
  connection: string[];
}

/** A head we refuse, with the status to answer (400, 431, 505) when it was a request. */
export class HeadError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

const token = "[!#$%&'*+\\-.^_`|~0-9A-Za-z]+";
const requestLineRe = new RegExp(`^(${token}) ([\\x21-\\x7e]+) HTTP/(\\d)\\.(\\d)$`);
const statusLineRe = /^HTTP\/1\.([01]) (\d{3})(?: ([\t\x20-\x7e\x80-\xff]*))?$/;
/** Per byte: 1 for a token character, 2 for a field-value character (visible ASCII, obs-text, SP, HTAB). */
const charClass = new Uint8Array(256);
for (let code = 0; code < 256; code++) {
  if (code === 0x09 || (code >= 0x20 && code !== 0x7f)) charClass[code] = 2;
  if (/^[!#$%&'*+\-.^_`|~0-9A-Za-z]$/.test(String.fromCharCode(code))) charClass[code] = 3;
}

/** Whether every character of `text` from `from` to `to` has `bit` (a table walk: regexes cost more per header). */
function allOf(text: string, from: number, to: number, bit: number): boolean {
  for (let i = from; i < to; i++) {
    const code = text.charCodeAt(i);
    if (code > 0xff || (charClass[code]! & bit) === 0) return false;
  }
  return true;
}
const digitsRe = /^\d{1,15}$/;
/**
 * Header lines a request may carry. nginx caps only their size; a count cap matters as well
 * because the pod's server (node:http, Rack on unicorn) keeps only the first N (node:http 2,000,
 * or 1,000 with maxHeadersCount) and silently drops the rest. Browsers send 10-30 lines; 100
 * leaves room for any real client while keeping every header we add well within every backend's
 * window.
 */
export const maxRequestHeaders = 100;
/**
 * The methods a request may use: those Node's own parser (llhttp) knows, so no backend's parser
 * reads a method differently; names are case-sensitive (`get` is not GET). CONNECT and TRACE are
 * answered 405, as nginx does: a pod has no use for a tunnel or an echo of its visitors' cookies.
 */
const knownMethods = new Set(METHODS);
const refusedMethods = new Set(["CONNECT", "TRACE"]);
/** Fields that frame or route a message can't come as trailers (RFC 9110 6.5.1): refused, as llhttp does. */
const framingTrailers = new Set(["content-length", "transfer-encoding", "host"]);

/**
 * Walk the header fields after the start line (which ends at `from`), checking each, and hand
 * `visit` the lower-case name and the line's bounds. Lines are found by CRLF: a bare CR or LF
 * stays inside a line, where the character checks refuse it. Returns the framing.
 */
function scanFields(text: string, from: number, visit: (lower: string, start: number, colon: number, end: number) => void): MessageFraming {
  const framing: MessageFraming = { contentLength: undefined, chunked: false, connection: [] };
  let transferEncodings = 0;
  let start = from;
  while (start < text.length) {
    // name ":" OWS value OWS
    start += 2;
    let end = text.indexOf("\r\n", start);
    if (end < 0) end = text.length;
    const colon = text.indexOf(":", start);
    if (colon <= start || colon >= end || !allOf(text, start, colon, 1) || !allOf(text, colon + 1, end, 2)) throw new HeadError(400, "a malformed header line");
    const lower = text.slice(start, colon).toLowerCase();
    if (lower === "content-length") {
      const value = framingValue(text, colon + 1, end);
      if (framing.contentLength !== undefined || !digitsRe.test(value)) throw new HeadError(400, "a repeated or malformed Content-Length");
      framing.contentLength = Number(value);
    } else if (lower === "transfer-encoding") {
      if (++transferEncodings > 1 || framingValue(text, colon + 1, end).toLowerCase() !== "chunked") throw new HeadError(400, "a transfer coding other than chunked");
      framing.chunked = true;
    } else if (lower === "connection") {
      for (const part of trimSpaces(text, colon + 1, end).split(",")) {
        const option = part.trim().toLowerCase();
        if (option) framing.connection.push(option);
      }
    }
    visit(lower, start, colon, end);
    start = end;
  }
  if (framing.chunked && framing.contentLength !== undefined) throw new HeadError(400, "both Content-Length and Transfer-Encoding");
  return framing;
}

function readFields(text: string, from: number): MessageHead {
  const names: string[] = [];
  const lower: string[] = [];
  const values: string[] = [];
  const framing = scanFields(text, from, (name, start, colon, end) => {
    // A tab around a Host is refused, as nginx does: one reading of the routing header for everyone.
    if (name === "host" && text.slice(colon + 1, end).includes("\t")) throw new HeadError(400, "a tab in the Host header");
    names.push(text.slice(start, colon));
    lower.push(name);
    values.push(trimSpaces(text, colon + 1, end));
  });
  return { names, lower, values, contentLength: framing.contentLength, chunked: framing.chunked, connection: framing.connection };
}

/** The end of a head's start line. */
function startLineEnd(text: string): number {
  const end = text.indexOf("\r\n");
  return end < 0 ? text.length : end;
}

function isSpace(code: number): boolean {
  return code === 0x20 || code === 0x09;
}

/**
 * The value of a framing header without the spaces around it (RFC 9110 5.5 OWS; nginx and llhttp
 * strip them too, and the proxy forwards its own framing, not these bytes). A tab is left in and
 * so refused: nginx refuses it, and framing is where every reader must agree.
 */
function framingValue(text: string, start: number, end: number): string {
  let from = start;
  let to = end;
  while (from < to && text.charCodeAt(from) === 0x20) from++;
  while (to > from && text.charCodeAt(to - 1) === 0x20) to--;
  return text.slice(from, to);
}

/** `text` from `start` to `end`, without leading and trailing spaces and tabs (String.trim would take more, like 0xA0). */
function trimSpaces(text: string, start: number, end: number): string {
  let from = start;
  let to = end;
  while (from < to && isSpace(text.charCodeAt(from))) from++;
  while (to > from && isSpace(text.charCodeAt(to - 1))) to--;
  return text.slice(from, to);
}

/**
 * How many CR and LF bytes come before a request line: skipped (RFC 9112 2.2 asks for at least
 * empty lines; nginx and llhttp skip any run of CR and LF, so no reader sees a request there).
 */
export function emptyLinesBefore(input: string | Buffer): number {
  let at = 0;
  for (;;) {
    const code = typeof input === "string" ? input.charCodeAt(at) : input[at];
    if (code !== 0x0d && code !== 0x0a) return at;
    at++;
  }
}

/** Parse a request head; throws HeadError. */
export function parseRequestHead(head: string): RequestHead {
  const text = head.slice(emptyLinesBefore(head));
  const lineEnd = startLineEnd(text);
  const line = requestLineRe.exec(text.slice(0, lineEnd));
  if (!line) throw new HeadError(400, "a malformed request line");
  if (!knownMethods.has(line[1]!)) throw new HeadError(400, "an unknown method");
  if (refusedMethods.has(line[1]!)) throw new HeadError(405, `the ${line[1]} method`);
  if (line[3] !== "1") throw new HeadError(505, "an HTTP version other than 1.x");
  const minor = Number(line[4]);
  if (minor > 1) throw new HeadError(505, "an HTTP version other than 1.0 or 1.1");
  const fields = readFields(text, lineEnd);
  if (fields.names.length > maxRequestHeaders) throw new HeadError(431, `more than ${maxRequestHeaders} header lines`);
  if (fields.chunked && minor === 0) throw new HeadError(400, "Transfer-Encoding in an HTTP/1.0 request");
  let host: string | undefined;
  let hostCount = 0;
  let upgrade: "websocket" | undefined;
  let expect: string | undefined;
  let expects = 0;
  for (let i = 0; i < fields.lower.length; i++) {
    const name = fields.lower[i]!;
    if (name === "host") {
      host = fields.values[i];
      hostCount++;
    } else if (name === "upgrade" && fields.values[i]!.toLowerCase() === "websocket") upgrade = "websocket";
    else if (name === "expect") {
      expect = fields.values[i]!.toLowerCase();
      // Which of two expectations counts is for each reader to guess (nginx refuses them): 417.
      if (++expects > 1) throw new HeadError(417, "more than one Expect header");
    }
  }
  const { connection } = fields;
  // Built field by field: an object spread here cost ~10 us per request (V8's slow path).
  return {
    names: fields.names,
    lower: fields.lower,
    values: fields.values,
    contentLength: fields.contentLength,
    chunked: fields.chunked,
    connection,
    method: line[1]!,
    target: line[2]!,
    minor,
    host: hostCount === 1 ? host : undefined,
    hostCount,
    keepAlive: minor === 1 ? !connection.includes("close") : connection.includes("keep-alive"),
    upgrade: upgrade !== undefined && connection.includes("upgrade") ? upgrade : undefined,
    expect,
  };
}

/**
 * Parse a response head from an upstream; throws HeadError (the client then gets 502). Only
 * the header lines `drop` lets through are kept, as received: a client gets them without each
 * being taken apart and put back together.
 */
export function parseResponseHead(text: string, drop: (lower: string) => boolean): ResponseHead {
  const lineEnd = startLineEnd(text);
  const line = statusLineRe.exec(text.slice(0, lineEnd));
  if (!line) throw new HeadError(502, "a malformed status line");
  let kept = "";
  // The run of lines not dropped yet: copied in one piece when a dropped line (or the end) comes.
  let runStart = lineEnd + 2;
  let upgrade: string | undefined;
  const framing = scanFields(text, lineEnd, (lower, start, colon, end) => {
    if (lower === "upgrade") upgrade = trimSpaces(text, colon + 1, end);
    if (!drop(lower)) return;
    if (start > runStart) kept += text.slice(runStart, start);
    runStart = end + 2;
  });
  if (runStart < text.length) kept += `${text.slice(runStart)}\r\n`;
  return { minor: Number(line[1]), status: Number(line[2]), reason: line[3] ?? "", kept, upgrade, contentLength: framing.contentLength, chunked: framing.chunked, connection: framing.connection };
}

/** The value of a header (the first one), or undefined. */
export function headerValue(head: MessageHead, lowerName: string): string | undefined {
  const at = head.lower.indexOf(lowerName);
  return at < 0 ? undefined : head.values[at];
}

const enum ChunkState {
  Size,
  SizeLf,
  Extension,
  Data,
  DataCr,
  DataLf,
  Trailer,
  TrailerLf,
  Done,
}

const maxSizeDigits = 12;
/**
 * Chunk extensions and trailers are skipped, not passed on, so they count against no body limit:
 * capped per message, or 1-byte chunks with long extensions keep a connection busy for free
 * (Node's parser had this hole, CVE-2024-22019, and caps them at 16 KiB too).
 */
const maxSkippedBytes = 16 * 1024;

/**
 * A chunked body read incrementally: `feed` reports where the data of each chunk lies in the
 * input (so a caller can decode, or pass the raw bytes on and only learn where the body ends).
 */
export class ChunkedReader {
  private state = ChunkState.Size;
  private size = 0;
  private digits = 0;
  private left = 0;
  /** Bytes of the trailer line being read (an empty one ends the body). */
  private lineBytes = 0;
  /** Bytes of extensions and trailers in this message. */
  private skipped = 0;
  /** Where in a chunk extension the reader is. */
  private extension = Ext.NameStart;
  /** The trailer line being read has had its colon. */
  private trailerColon = false;
  /** Its name so far (the first 32 characters: enough to know a framing field). */
  private trailerName = "";

  get done(): boolean {
    return this.state === ChunkState.Done;
  }

  /**
   * Read `input` from `start` to `end`; `onData(from, to)` gets each run of body bytes. Returns
   * how many bytes belonged to the body (the rest is the next message); throws HeadError(400) on
   * bad framing.
   */
  feed(input: Buffer, start: number, end: number, onData: (from: number, to: number) => void): number {
    let i = start;
    while (i < end && this.state !== ChunkState.Done) {
      const byte = input[i]!;
      switch (this.state) {
        case ChunkState.Size: {
          const digit = hexValue(byte);
          if (digit >= 0) {
            if (++this.digits > maxSizeDigits) throw new HeadError(400, "a chunk size too large");
            this.size = this.size * 16 + digit;
          } else if (this.digits > 0 && byte === 0x0d) this.state = ChunkState.SizeLf;
          else if (this.digits > 0 && byte === 0x3b /* ; */) {
            this.state = ChunkState.Extension;
            this.extension = Ext.NameStart;
          }
          else throw new HeadError(400, "a malformed chunk size");
          i++;
          break;
        }
        case ChunkState.Extension:
          // Skipped, but only when it is well-formed, as llhttp's strict mode reads it.
          this.extension = nextExtensionState(this.extension, byte);
          this.skipLine(byte, ChunkState.SizeLf, "chunk extension");
          i++;
          break;
        case ChunkState.SizeLf:
          if (byte !== 0x0a) throw new HeadError(400, "a chunk size line without CRLF");
          i++;
          this.lineBytes = 0;
          if (this.size === 0) this.state = ChunkState.Trailer;
          else {
            this.left = this.size;
            this.state = ChunkState.Data;
          }
          this.size = 0;
          this.digits = 0;
          break;
        case ChunkState.Data: {
          const to = Math.min(end, i + this.left);
          onData(i, to);
          this.left -= to - i;
          i = to;
          if (this.left === 0) this.state = ChunkState.DataCr;
          break;
        }
        case ChunkState.DataCr:
        case ChunkState.DataLf:
          if (byte !== (this.state === ChunkState.DataCr ? 0x0d : 0x0a)) throw new HeadError(400, "chunk data without its CRLF");
          this.state = this.state === ChunkState.DataCr ? ChunkState.DataLf : ChunkState.Size;
          i++;
          break;
        case ChunkState.Trailer:
          // Trailer lines are dropped (never passed on), but each must be a well-formed field: a
          // token, a colon, field-value characters. An empty line ends the body.
          if (byte !== 0x0d) {
            const bit = this.trailerColon ? 2 : byte === 0x3a /* : */ && this.lineBytes > 0 ? 0 : 1;
            if (bit === 0) {
              this.trailerColon = true;
              if (framingTrailers.has(this.trailerName.toLowerCase())) throw new HeadError(400, `a ${this.trailerName} trailer`);
            } else if ((charClass[byte]! & bit) === 0) throw new HeadError(400, "a malformed trailer line");
            else if (bit === 1 && this.trailerName.length < 32) this.trailerName += String.fromCharCode(byte);
          } else if (this.lineBytes > 0 && !this.trailerColon) throw new HeadError(400, "a trailer line without a colon");
          this.skipLine(byte, ChunkState.TrailerLf, "trailer");
          i++;
          break;
        case ChunkState.TrailerLf:
          if (byte !== 0x0a) throw new HeadError(400, "a trailer line without CRLF");
          this.state = this.lineBytes === 0 ? ChunkState.Done : ChunkState.Trailer;
          this.lineBytes = 0;
          this.trailerColon = false;
          this.trailerName = "";
          i++;
          break;
      }
    }
    return i - start;
  }

  /** A byte of a line we skip (a chunk extension, a trailer): its CR moves on to `next`. */
  private skipLine(byte: number, next: ChunkState, what: string): void {
    if (byte === 0x0d) this.state = next;
    else if (byte === 0x0a) throw new HeadError(400, `a malformed ${what}`);
    else if (++this.skipped > maxSkippedBytes) throw new HeadError(400, "chunk extensions and trailers over 16 KiB");
    else this.lineBytes++;
  }
}

/** Where in `;name=value` or `;name="quoted"` (RFC 9112 7.1.1, without whitespace, as llhttp's strict mode). */
const enum Ext {
  /** Right after a ";": a name or "=" must follow. */
  NameStart,
  Name,
  /** Right after "=". */
  ValueStart,
  Token,
  Quoted,
  Escaped,
  /** After a closing quote: only ";" or the line's end. */
  Closed,
}

function isTokenByte(byte: number): boolean {
  return (charClass[byte]! & 1) !== 0;
}

/** The next extension state after `byte` (a CR ends the line where that is allowed); throws on anything malformed. */
function nextExtensionState(state: Ext, byte: number): Ext {
  const refuse = () => new HeadError(400, "a malformed chunk extension");
  if (byte === 0x0d) {
    if (state === Ext.NameStart || state === Ext.Quoted || state === Ext.Escaped) throw refuse();
    return state;
  }
  switch (state) {
    case Ext.NameStart:
    case Ext.Name:
      if (isTokenByte(byte)) return Ext.Name;
      if (byte === 0x3d /* = */) return Ext.ValueStart;
      if (byte === 0x3b && state === Ext.Name) return Ext.NameStart;
      throw refuse();
    case Ext.ValueStart:
      if (byte === 0x22 /* " */) return Ext.Quoted;
      if (byte === 0x3b) return Ext.NameStart;
      if (isTokenByte(byte)) return Ext.Token;
      throw refuse();
    case Ext.Token:
      if (isTokenByte(byte)) return Ext.Token;
      if (byte === 0x3b) return Ext.NameStart;
      throw refuse();
    case Ext.Quoted:
      if (byte === 0x22) return Ext.Closed;
      if (byte === 0x5c /* \ */) return Ext.Escaped;
      if (byte === 0x09 || (byte >= 0x20 && byte !== 0x7f)) return Ext.Quoted;
      throw refuse();
    case Ext.Escaped:
      if (byte === 0x09 || (byte >= 0x20 && byte !== 0x7f)) return Ext.Quoted;
      throw refuse();
    case Ext.Closed:
      if (byte === 0x3b) return Ext.NameStart;
      throw refuse();
  }
}

function hexValue(byte: number): number {
  if (byte >= 0x30 && byte <= 0x39) return byte - 0x30;
  if (byte >= 0x61 && byte <= 0x66) return byte - 0x57;
  if (byte >= 0x41 && byte <= 0x46) return byte - 0x37;
  return -1;
}
