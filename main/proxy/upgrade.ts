import type { IncomingMessage } from "node:http";
import { connect } from "node:net";
import type { Duplex } from "node:stream";
import { upstreamLabel, type Upstream } from "./config";
import { describeNetError } from "./forward";
import type { Stats } from "./stats";

/**
 * A WebSocket (or other Upgrade) request: open a fresh upstream connection, send the cleaned
 * request head, then pipe bytes both ways. Whichever side closes or fails, both are destroyed,
 * so abrupt closes leave no socket behind.
 */
export function tunnelUpgrade(req: IncomingMessage, client: Duplex, head: Buffer, upstream: Upstream, path: string, headers: string[], connectTimeoutMs: number, stats: Stats): void {
  const server = "socketPath" in upstream ? connect(upstream.socketPath) : connect(upstream.port, upstream.host);
  let connected = false;
  const closeBoth = () => {
    client.destroy();
    server.destroy();
  };
  server.setTimeout(connectTimeoutMs, () => server.destroy(Object.assign(new Error("connect timeout"), { code: "ETIMEDOUT" })));
  server.once("connect", () => {
    connected = true;
    server.setTimeout(0);
    server.setNoDelay(true);
    let text = `${req.method} ${path} HTTP/1.1\r\n`;
    for (let i = 0; i < headers.length; i += 2) text += `${headers[i]}: ${headers[i + 1]}\r\n`;
    server.write(`${text}\r\n`);
    if (head.length) server.write(head);
    server.pipe(client);
    client.pipe(server);
  });
  server.on("error", (error: Error & { code?: string }) => {
    if (!connected && client.writable && !client.destroyed) {
      stats.upstreamErrors++;
      stats.error(`Could not reach ${upstreamLabel(upstream)} for an upgrade: ${describeNetError(error)}.`);
      client.end("HTTP/1.1 502 Bad Gateway\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
    } else closeBoth();
  });
  server.on("close", () => (connected ? closeBoth() : undefined));
  client.on("error", closeBoth);
  client.on("close", closeBoth);
}
