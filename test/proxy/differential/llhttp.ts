/**
 * Node's llhttp in strict mode as a judge of request heads, driven in memory: a node:http server
 * with `insecureHTTPParser: false` that never listens is handed a stream as a connection, and
 * tells whether the first request in the bytes became a request or a parse error (and whether
 * its body parsed).
 */
import { createServer, type IncomingMessage } from "node:http";
import { Duplex } from "node:stream";

export type Verdict =
  /** `body`: "complete", "incomplete" (the bytes end inside it), or "rejected: why". */
  | { kind: "accepted"; method: string; target: string; headers: [string, string][]; body: string }
  | { kind: "rejected"; why: string }
  /** The bytes end before the head does. */
  | { kind: "incomplete" };

export interface Llhttp {
  judge(bytes: string): Promise<Verdict>;
}

export function createLlhttp(): Llhttp {
  const pending = new Map<Duplex, (verdict: Verdict) => void>();
  const heads = new Map<Duplex, { verdict: Extract<Verdict, { kind: "accepted" }>; request: IncomingMessage }>();
  // requireHostHeader is node:http's rule on top of the parser, not llhttp's: judged elsewhere.
  const server = createServer({ insecureHTTPParser: false, requireHostHeader: false });
  // Every header line, however many: node:http stops listing them at 2,000 by default.
  server.maxHeadersCount = 0;
  const settle = (socket: Duplex, verdict: Verdict) => {
    const resolve = pending.get(socket);
    if (!resolve) return;
    pending.delete(socket);
    heads.delete(socket);
    resolve(verdict);
    socket.destroy();
  };
  // A request with Expect goes to these events instead of "request" (node:http would answer 417 or 100 itself).
  const onRequest = (req: IncomingMessage) => {
    const headers: [string, string][] = [];
    for (let i = 0; i < req.rawHeaders.length; i += 2) headers.push([req.rawHeaders[i]!, req.rawHeaders[i + 1]!]);
    const socket = req.socket as unknown as Duplex;
    // Only the first request is judged; one pipelined after it is not this verdict's business.
    if (heads.has(socket) || !pending.has(socket)) return;
    const head = { kind: "accepted" as const, method: req.method!, target: req.url!, headers, body: "incomplete" };
    heads.set(socket, { verdict: head, request: req });
    req.on("end", () => settle(socket, { ...head, body: "complete" }));
    req.resume();
  };
  server.on("request", onRequest);
  server.on("checkContinue", onRequest);
  server.on("checkExpectation", onRequest);
  server.on("clientError", (error: Error & { code?: string; reason?: string }, socket) => {
    // The stream ended before the message did: llhttp was still waiting for bytes.
    const eof = error.code === "HPE_INVALID_EOF_STATE";
    const why = `${error.code}: ${error.reason ?? error.message}`;
    const first = heads.get(socket as unknown as Duplex);
    // llhttp reads on past the first message at once: an error in a pipelined one is not the first's.
    const body = first?.request.complete ? "complete" : eof ? "incomplete" : `rejected: ${why}`;
    const verdict: Verdict = first ? { ...first.verdict, body } : eof ? { kind: "incomplete" } : { kind: "rejected", why };
    settle(socket as unknown as Duplex, verdict);
  });
  return {
    judge(bytes) {
      return new Promise((resolve) => {
        const socket = new Duplex({ read() {}, write: (_chunk, _encoding, done) => done() });
        pending.set(socket, resolve);
        socket.once("close", () => settle(socket, heads.get(socket)?.verdict ?? { kind: "incomplete" }));
        server.emit("connection", socket);
        socket.push(Buffer.from(bytes, "latin1"));
        socket.push(null);
      });
    },
  };
}
