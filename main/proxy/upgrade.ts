import { connect, type Socket } from "node:net";
import { upstreamLabel, type ProxyLimits, type Upstream } from "./config";
import type { Stats } from "./stats";
import { describeNetError } from "./upstream";

/**
 * A WebSocket (or other Upgrade) request: open a fresh upstream connection, send the cleaned
 * request head (and any bytes the client sent after it), then pipe bytes both ways. Whichever
 * side closes or fails, both are destroyed, so abrupt closes leave no socket behind.
 */
export function tunnelUpgrade(client: Socket, rest: Buffer | undefined, upstream: Upstream, head: string, limits: Pick<ProxyLimits, "upstreamConnectTimeoutMs" | "tunnelIdleTimeoutMs">, stats: Stats): void {
  const server = "socketPath" in upstream ? connect(upstream.socketPath) : connect(upstream.port, upstream.host);
  let connected = false;
  const closeBoth = () => {
    client.destroy();
    server.destroy();
  };
  client.pause();
  server.setTimeout(limits.upstreamConnectTimeoutMs, () => server.destroy(Object.assign(new Error("connect timeout"), { code: "ETIMEDOUT" })));
  server.once("connect", () => {
    connected = true;
    server.setTimeout(limits.tunnelIdleTimeoutMs, closeBoth);
    client.setTimeout(limits.tunnelIdleTimeoutMs, closeBoth);
    server.setNoDelay(true);
    server.write(head, "latin1");
    if (rest?.length) server.write(rest);
    server.pipe(client);
    client.pipe(server);
    client.resume();
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
