import { connect, type Socket } from "node:net";
import type { ProxyLimits, Upstream } from "./config";

export type TunnelLimits = Pick<ProxyLimits, "upstreamConnectTimeoutMs" | "tunnelIdleTimeoutMs">;

/**
 * Bytes both ways, untouched, between `client` and a fresh connection to `upstream` (a WebSocket
 * after its upgrade, a passed-through TLS name): `first` goes up as soon as it connects. Whichever
 * side closes, fails or stays quiet past the idle limit, both are destroyed, so no socket is left
 * behind. `unreachable` decides what the client hears when the upstream can't be reached.
 */
export function openTunnel(client: Socket, upstream: Upstream, first: Buffer[], limits: TunnelLimits, unreachable: (error: Error & { code?: string }) => void): void {
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
    server.setNoDelay(true);
    server.setTimeout(limits.tunnelIdleTimeoutMs, closeBoth);
    client.setTimeout(limits.tunnelIdleTimeoutMs, closeBoth);
    for (const bytes of first) if (bytes.length) server.write(bytes);
    server.pipe(client);
    client.pipe(server);
    client.resume();
  });
  server.on("error", (error: Error & { code?: string }) => (connected ? closeBoth() : unreachable(error)));
  server.on("close", () => (connected ? closeBoth() : undefined));
  client.on("error", closeBoth);
  client.on("close", closeBoth);
}
