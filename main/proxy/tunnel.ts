import { connect, type Socket } from "node:net";
import type { ProxyLimits, Upstream } from "./config";

export type TunnelLimits = Pick<ProxyLimits, "upstreamConnectTimeoutMs" | "tunnelIdleTimeoutMs">;

/**
 * Bytes both ways, untouched, between `client` and a fresh connection to `upstream` (a name
 * passed through by SNI): `first` goes up as soon as it connects. `unreachable` decides what the
 * client hears when the upstream can't be reached.
 */
export function openTunnel(client: Socket, upstream: Upstream, first: Buffer[], limits: TunnelLimits, unreachable: (error: Error & { code?: string }) => void): void {
  const server = "socketPath" in upstream ? connect(upstream.socketPath) : connect(upstream.port, upstream.host);
  client.pause();
  server.setTimeout(limits.upstreamConnectTimeoutMs, () => server.destroy(Object.assign(new Error("connect timeout"), { code: "ETIMEDOUT" })));
  const failed = (error: Error & { code?: string }) => unreachable(error);
  server.once("error", failed);
  client.on("error", () => client.destroy());
  client.once("close", () => server.destroy());
  server.once("connect", () => {
    server.removeListener("error", failed);
    server.setNoDelay(true);
    for (const bytes of first) if (bytes.length) server.write(bytes);
    joinTunnel(client, server, limits);
  });
}

/**
 * Pipe two connected sockets into each other (a passed-through name, or a WebSocket once the
 * upstream agreed to it). Whichever side closes, fails or stays quiet past the idle limit, both
 * are destroyed, so no socket is left behind.
 */
export function joinTunnel(client: Socket, server: Socket, limits: Pick<ProxyLimits, "tunnelIdleTimeoutMs">): void {
  const closeBoth = () => {
    client.destroy();
    server.destroy();
  };
  server.setTimeout(limits.tunnelIdleTimeoutMs, closeBoth);
  client.setTimeout(limits.tunnelIdleTimeoutMs, closeBoth);
  server.on("error", closeBoth);
  server.on("close", closeBoth);
  client.on("error", closeBoth);
  client.on("close", closeBoth);
  server.pipe(client);
  client.pipe(server);
  client.resume();
  server.resume();
}
