import { connect as netConnect, type Socket } from "node:net";
import { connect as tlsConnect } from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "../helpers/temp";
import { openFds, podName, spoolFiles, startBackend, startTestProxy, TestCertificates, type Backend } from "./fixtures";

const upgradeRequest = (path: string) => `GET ${path} HTTP/1.1\r\nHost: ${podName}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`;

/** Open an upgraded tunnel, send `payload`, and resolve with what came back after the 101. */
function echoThrough(port: number, path: string, payload: string, tls: boolean): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket: Socket = tls ? tlsConnect({ port, host: "127.0.0.1", servername: podName, rejectUnauthorized: false }) : netConnect(port, "127.0.0.1");
    let out = "";
    socket.on(tls ? "secureConnect" : "connect", () => socket.write(upgradeRequest(path)));
    socket.on("data", (chunk: Buffer) => {
      const first = out === "";
      out += chunk.toString();
      if (first && out.startsWith("HTTP/1.1 101")) socket.write(payload);
      const body = out.slice(out.indexOf("\r\n\r\n") + 4);
      if (body === payload) {
        socket.destroy();
        resolve(out);
      }
    });
    socket.on("error", reject);
  });
}

describe("WebSocket upgrades and abrupt closes", () => {
  let backend: Backend;
  let proxy: Awaited<ReturnType<typeof startTestProxy>>;
  const poolSize = 4;
  beforeAll(async () => {
    backend = await startBackend();
    proxy = await startTestProxy(new TestCertificates([podName]), {
      routes: [{ prefix: "", upstream: { host: "127.0.0.1", port: backend.port } }, { prefix: "/chat", upstream: { host: "127.0.0.1", port: backend.port } }],
    }, { limits: { upstreamConnections: poolSize } });
  });
  afterAll(async () => {
    await proxy.close();
    await backend.close();
  });

  it("passes an upgrade through TLS and echoes both ways", async () => {
    const out = await echoThrough(proxy.httpsPort, "/socket", "ping over tls", true);
    expect(out).toMatch(/^HTTP\/1\.1 101/);
    const seen = backend.seen.at(-1)!;
    expect(seen.url).toBe("/socket");
    expect(seen.headers.upgrade).toBe("websocket");
    expect(seen.headers["x-forwarded-proto"]).toBe("https");
  });

  it("passes an upgrade under a path prefix with the prefix stripped", async () => {
    await echoThrough(proxy.httpPort, "/chat/room?x=1", "ping under a prefix", false);
    expect(backend.seen.at(-1)!.url).toBe("/room?x=1");
    expect(backend.seen.at(-1)!.headers["x-forwarded-prefix"]).toBe("/chat");
  });

  it("survives 1,000 abrupt client disconnects mid-request, mid-body and mid-upgrade with flat file descriptors and memory", async () => {
    const warmUp = await echoThrough(proxy.httpPort, "/warm", "w", false);
    expect(warmUp).toContain("101");
    await waitFor("connections to settle", () => proxy.stats().openConnections === 0);
    const before = openFds();
    const rssBefore = process.memoryUsage().rss;
    const spilled = `POST / HTTP/1.1\r\nHost: ${podName}\r\nContent-Length: 1048576\r\n\r\n${"s".repeat(64 * 1024)}`;
    for (let round = 0; round < 50; round++) {
      await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          new Promise<void>((resolve) => {
            const tls = i % 4 === 0;
            const socket: Socket = tls ? tlsConnect({ port: proxy.httpsPort, host: "127.0.0.1", servername: podName, rejectUnauthorized: false }) : netConnect(proxy.httpPort, "127.0.0.1");
            socket.on("error", () => resolve());
            socket.on("close", () => resolve());
            socket.on(tls ? "secureConnect" : "connect", () => {
              if (i % 2 === 0) {
                // Mid-request: half a head, a body cut short, or one cut short after it spilled to a temporary file.
                const kind = i % 6;
                socket.write(kind === 0 ? `GET / HTTP/1.1\r\nHost: ${podName}\r\nX-Half` : kind === 2 ? `POST / HTTP/1.1\r\nHost: ${podName}\r\nContent-Length: 100\r\n\r\nabc` : spilled);
                setImmediate(() => socket.destroy());
              } else {
                // Mid-upgrade: the tunnel is up, bytes in flight, then the client vanishes.
                socket.write(upgradeRequest("/ws"));
                socket.once("data", () => {
                  socket.write("in flight");
                  socket.destroy();
                });
              }
            });
          }),
        ),
      );
    }
    await waitFor("the proxy to close every connection", () => proxy.stats().openConnections === 0);
    // Allowed: the upstream keep-alive pool, whose both ends live in this process.
    await waitFor("file descriptors to return to their level", () => openFds() <= before + 2 * poolSize + 2, 10_000);
    expect(spoolFiles()).toEqual([]);
    // A leak of a few KiB per connection would show as tens of MiB here.
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(48 * 1024 * 1024);
    // The backend side of each tunnel was closed too: only pooled keep-alive connections remain.
    await waitFor("backend connections to close", async () => {
      const count = await new Promise<number>((resolve) => backend.server.getConnections((_e, n) => resolve(n)));
      return count <= poolSize;
    });
    expect(await echoThrough(proxy.httpPort, "/after", "still alive", false)).toContain("101");
  });

  it("closes the client's side when the backend drops a tunnel abruptly, without leaking descriptors", async () => {
    await waitFor("connections to settle", () => proxy.stats().openConnections === 0);
    const before = openFds();
    for (let round = 0; round < 25; round++) {
      await Promise.all(
        Array.from({ length: 20 }, () =>
          new Promise<void>((resolve) => {
            const socket = netConnect(proxy.httpPort, "127.0.0.1", () => socket.write(upgradeRequest("/vanish")));
            socket.on("data", () => undefined);
            socket.on("error", () => resolve());
            socket.on("close", () => resolve());
          }),
        ),
      );
    }
    await waitFor("the proxy to close every connection", () => proxy.stats().openConnections === 0);
    await waitFor("file descriptors to return to their level", () => openFds() <= before + 2 * poolSize + 2, 10_000);
  });
});
