import type { Socket } from "node:net";
import { upstreamLabel, type Upstream } from "./config";
import type { Stats } from "./stats";
import { openTunnel, type TunnelLimits } from "./tunnel";
import { describeNetError } from "./upstream";

/**
 * A WebSocket (or other Upgrade) request: a tunnel to the upstream that starts with the cleaned
 * request head (and any bytes the client sent after it). An upstream that can't be reached gets
 * the client a 502.
 */
export function tunnelUpgrade(client: Socket, rest: Buffer | undefined, upstream: Upstream, head: string, limits: TunnelLimits, stats: Stats): void {
  openTunnel(client, upstream, [Buffer.from(head, "latin1"), ...(rest ? [rest] : [])], limits, (error) => {
    if (!client.writable || client.destroyed) return void client.destroy();
    stats.upstreamErrors++;
    stats.error(`Could not reach ${upstreamLabel(upstream)} for an upgrade: ${describeNetError(error)}.`);
    client.end("HTTP/1.1 502 Bad Gateway\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
  });
}
