/**
 * The client side of a case: raw bytes over one socket, and the answers read back with a lenient
 * parser (it reads what a proxy sends a client; the strict one is the recorder's).
 */
import { connect as netConnect, type Socket } from "node:net";
import { connect as tlsConnect } from "node:tls";

export interface Answer {
  status: number;
  headers: [string, string][];
  body: string;
  /** Trailer lines of a chunked answer. */
  trailers: string[];
}

export interface ClientResult {
  answers: Answer[];
  /** Bytes after a 101 (the tunnel), or after the last answer that could not be read as one. */
  rest: string;
  /** Who ended the exchange: the proxy closed, or the client gave up waiting and half-closed. */
  endedBy: "proxy" | "client";
}

export interface Timing {
  /** Quiet time after all expected answers before the client hangs up. */
  settleMs: number;
  /** Quiet time with answers missing before the client decides the proxy waits for bytes it won't get. */
  stallMs: number;
}

/**
 * Read consecutive answers from `text`; what can't be read (yet) is left in `rest`. `ended`: the
 * proxy closed the connection after `text`.
 */
export function readAnswers(text: string, ended = false): { answers: Answer[]; rest: string; tunnel: boolean } {
  const answers: Answer[] = [];
  let at = 0;
  for (;;) {
    const headEnd = text.indexOf("\r\n\r\n", at);
    if (!text.startsWith("HTTP/1.", at) || headEnd < 0) break;
    const [statusLine, ...lines] = text.slice(at, headEnd).split("\r\n");
    const status = Number(statusLine!.slice(9, 12));
    const headers = lines.map((line): [string, string] => [line.slice(0, line.indexOf(":")), line.slice(line.indexOf(":") + 1).trim()]);
    const header = (name: string) => headers.find(([n]) => n.toLowerCase() === name)?.[1];
    let i = headEnd + 4;
    const answer: Answer = { status, headers, body: "", trailers: [] };
    if (status === 101) {
      answers.push(answer);
      return { answers, rest: text.slice(i), tunnel: true };
    }
    if (status < 200) {
      answers.push(answer);
      at = i;
      continue;
    }
    const length = header("content-length");
    if (header("transfer-encoding")?.toLowerCase() === "chunked") {
      let complete = false;
      for (;;) {
        const lineEnd = text.indexOf("\r\n", i);
        if (lineEnd < 0) break;
        const size = parseInt(text.slice(i, lineEnd), 16);
        if (Number.isNaN(size)) break;
        i = lineEnd + 2;
        if (size === 0) {
          for (;;) {
            const end = text.indexOf("\r\n", i);
            if (end < 0) break;
            const line = text.slice(i, end);
            i = end + 2;
            if (line === "") {
              complete = true;
              break;
            }
            answer.trailers.push(line);
          }
          break;
        }
        answer.body += text.slice(i, i + size);
        i += size + 2;
      }
      if (!complete) break;
    } else if (length !== undefined) {
      // An answer to HEAD announces a length it doesn't carry: the next answer starts right away,
      // or the connection ends right after its head (a refused HEAD is answered, then closed).
      const headOnly = text.startsWith("HTTP/1.", i) || (ended && i === text.length);
      if (!headOnly || Number(length) === 0) {
        if (text.length < i + Number(length)) break;
        answer.body = text.slice(i, i + Number(length));
        i += Number(length);
      }
    } else if (status !== 204 && status !== 304) {
      // Delimited by the close: whatever is left.
      answer.body = text.slice(i);
      i = text.length;
    }
    answers.push(answer);
    at = i;
  }
  return { answers, rest: text.slice(at), tunnel: false };
}

export interface Connect {
  port: number;
  /** TLS with this server name. */
  servername?: string;
}

/**
 * Send `bytes` (then `after` once the first answer arrived) and read until the proxy closes, or
 * until `expected` answers came and nothing moved for `settleMs`, or nothing moved for `stallMs`
 * with answers missing: then the client half-closes, as a client that has nothing more to send.
 * `activity` is how many bytes the backend has received (its moving counts as progress).
 */
export function exchange(to: Connect, bytes: Buffer, options: { expected: number; after?: Buffer; halfClose?: boolean; timing: Timing; activity: () => number }): Promise<ClientResult> {
  return new Promise((resolve) => {
    const socket: Socket = to.servername
      ? tlsConnect({ port: to.port, host: "127.0.0.1", servername: to.servername, rejectUnauthorized: false })
      : netConnect(to.port, "127.0.0.1");
    let text = "";
    let endedBy: ClientResult["endedBy"] = "proxy";
    let sentAfter = options.after === undefined;
    let lastActivity = -1;
    let timer: NodeJS.Timeout | undefined;
    let gaveUp: NodeJS.Timeout | undefined;
    const arm = () => {
      clearTimeout(timer);
      const { answers } = readAnswers(text);
      const waitMs = answers.length >= options.expected ? options.timing.settleMs : options.timing.stallMs;
      lastActivity = options.activity();
      timer = setTimeout(quiet, waitMs);
    };
    const quiet = () => {
      if (options.activity() !== lastActivity) return arm();
      endedBy = "client";
      socket.end();
      // A proxy that never closes after our FIN: cut it, the case records what came until then.
      gaveUp = setTimeout(() => socket.destroy(), 20 * options.timing.stallMs);
    };
    socket.on(to.servername ? "secureConnect" : "connect", () => {
      socket.write(bytes);
      if (options.halfClose) socket.end();
      arm();
    });
    socket.on("data", (chunk: Buffer) => {
      text += chunk.toString("latin1");
      if (!sentAfter && readAnswers(text).answers.length > 0) {
        sentAfter = true;
        socket.write(options.after!);
      }
      arm();
    });
    // The proxy's FIN: every byte it sent is in.
    let proxyFinished = false;
    socket.once("end", () => (proxyFinished = true));
    socket.on("error", () => socket.destroy());
    socket.once("close", () => {
      clearTimeout(timer);
      clearTimeout(gaveUp);
      const { answers, rest } = readAnswers(text, proxyFinished);
      resolve({ answers, rest, endedBy });
    });
  });
}

/**
 * A string as a JavaScript literal: printable, escaped, and copy-pasteable into a replay. DEL and
 * bytes above 0x7f are escaped too (JSON leaves them raw, where they are invisible or look alike).
 */
export function escapeBytes(bytes: Buffer | string): string {
  const text = typeof bytes === "string" ? bytes : bytes.toString("latin1");
  return JSON.stringify(text).replace(/[\x7f-\xff]/g, (ch) => `\\u00${ch.charCodeAt(0).toString(16)}`);
}
