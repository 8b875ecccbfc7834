/**
 * Node's llhttp in strict mode as a judge of request heads, driven in memory: a node:http server
 * with `insecureHTTPParser: false` that never listens is handed a stream as a connection, and
 * tells whether the first request in the bytes became a request or a parse error (and whether
 * its body parsed, read the way podhost forwards it: see `judge`).
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

/** What one pass of llhttp made of the bytes; `upgrade`: it stopped reading after the head, where a tunnel would begin. */
type Pass = Verdict & { upgrade?: boolean };

/**
 * The bytes with the first head's Upgrade fields renamed (same length, so no size limit moves):
 * llhttp then reads that request as an ordinary one, body included, as podhost forwards it.
 */
export function withoutUpgrade(bytes: string): string {
  const headEnd = bytes.indexOf("\r\n\r\n");
  const head = headEnd < 0 ? bytes : bytes.slice(0, headEnd);
  return head.replace(/\r\nupgrade:/gi, "\r\nIgnored:") + bytes.slice(head.length);
}

export function createLlhttp(): Llhttp {
  const judgeOnce = createPass();
  return {
    /**
     * llhttp stops at the head of an upgrade request (what follows belongs to the new protocol),
     * but podhost reads such a request's body as framed and forwards it as an ordinary request:
     * it tunnels only after a 101. So the body of an upgrade request is judged a second time,
     * with its Upgrade field renamed: a broken trailer there counts as llhttp rejecting it.
     */
    async judge(bytes) {
      const { upgrade, ...verdict } = await judgeOnce(bytes);
      if (!upgrade || verdict.kind !== "accepted") return verdict;
      const ordinary = await judgeOnce(withoutUpgrade(bytes));
      const body = ordinary.kind === "accepted" ? ordinary.body : ordinary.kind === "rejected" ? `rejected: ${ordinary.why}` : "incomplete";
      return { ...verdict, body };
    },
  };
}

function createPass(): (bytes: string) => Promise<Pass> {
  const pending = new Map<Duplex, (verdict: Pass) => void>();
  const heads = new Map<Duplex, { verdict: Extract<Verdict, { kind: "accepted" }>; request: IncomingMessage }>();
  // requireHostHeader is node:http's rule on top of the parser, not llhttp's: judged elsewhere.
  const server = createServer({ insecureHTTPParser: false, requireHostHeader: false });
  // Every header line, however many: node:http stops listing them at 2,000 by default.
  server.maxHeadersCount = 0;
  const settle = (socket: Duplex, verdict: Pass) => {
    const resolve = pending.get(socket);
    if (!resolve) return;
    pending.delete(socket);
    heads.delete(socket);
    resolve(verdict);
    socket.destroy();
  };
  const headOf = (req: IncomingMessage) => {
    const headers: [string, string][] = [];
    for (let i = 0; i < req.rawHeaders.length; i += 2) headers.push([req.rawHeaders[i]!, req.rawHeaders[i + 1]!]);
    return { kind: "accepted" as const, method: req.method!, target: req.url!, headers, body: "incomplete" };
  };
  const onRequest = (req: IncomingMessage) => {
    const socket = req.socket as unknown as Duplex;
    // Only the first request is judged; one pipelined after it is not this verdict's business.
    if (heads.has(socket) || !pending.has(socket)) return;
    const head = headOf(req);
    heads.set(socket, { verdict: head, request: req });
    req.on("end", () => settle(socket, { ...head, body: "complete" }));
    req.resume();
  };
  server.on("request", onRequest);
  // A request with Expect goes to these events instead of "request" (node:http would answer 417 or 100 itself).
  server.on("checkContinue", onRequest);
  server.on("checkExpectation", onRequest);
  // llhttp reads no further than the head of an upgrade (or a CONNECT): the head is accepted, the rest left unread.
  const onTunnel = (req: IncomingMessage, socket: Duplex) => {
    // An upgrade pipelined after the first request: the first one was read whole before it.
    const first = heads.get(socket);
    if (first) return settle(socket, { ...first.verdict, body: first.request.complete ? "complete" : "incomplete" });
    settle(socket, { ...headOf(req), upgrade: req.method !== "CONNECT" });
  };
  server.on("upgrade", onTunnel);
  server.on("connect", onTunnel);
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
  return (bytes) =>
    new Promise((resolve) => {
      const socket = new Duplex({ read() {}, write: (_chunk, _encoding, done) => done() });
      pending.set(socket, resolve);
      socket.once("close", () => settle(socket, heads.get(socket)?.verdict ?? { kind: "incomplete" }));
      server.emit("connection", socket);
      socket.push(Buffer.from(bytes, "latin1"));
      socket.push(null);
    });
}
