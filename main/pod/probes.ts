import { request } from "node:http";
import { connect, type NetConnectOpts } from "node:net";

/** A readiness/health check: resolves true when the pod answers as expected. Never rejects. */
export type Probe = () => Promise<boolean>;

const probeTimeoutMs = 2_000;

/** GET `url` (optionally over a unix socket); healthy on a 2xx answer. */
export function httpProbe(url: string, headers: Record<string, string> = {}, socketPath?: string): Probe {
  return () =>
    new Promise((resolve) => {
      const req = request(url, { method: "GET", headers, timeout: probeTimeoutMs, ...(socketPath ? { socketPath } : {}) }, (res) => {
        res.resume();
        resolve(res.statusCode !== undefined && res.statusCode >= 200 && res.statusCode < 300);
      });
      req.on("timeout", () => req.destroy());
      req.on("error", () => resolve(false));
      req.end();
    });
}

/** Healthy when a connection opens (a TCP port or a unix socket path). */
export function connectProbe(target: { host: string; port: number } | { path: string }): Probe {
  return () =>
    new Promise((resolve) => {
      const socket = connect(target as NetConnectOpts);
      socket.setTimeout(probeTimeoutMs, () => socket.destroy());
      socket.once("connect", () => {
        // Connecting to a free loopback port in the ephemeral range can "succeed" by TCP simultaneous open with itself.
        const selfConnected = socket.localPort === socket.remotePort && socket.localAddress === socket.remoteAddress;
        socket.destroy();
        resolve(!selfConnected);
      });
      socket.once("error", () => resolve(false));
      socket.once("close", () => resolve(false));
    });
}
