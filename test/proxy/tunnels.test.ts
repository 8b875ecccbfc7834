import { connect as netConnect, type Socket } from "node:net";
import { connect as tlsConnect, createServer as createTlsServer, type Server as TlsServer } from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { podName, selfSignedCert, startBackend, startTestProxy, TestCertificates, type Backend } from "./fixtures";

const passName = "nas.example.test";
const idleMs = 2000;

/** Echo `rounds` pings through an open tunnel, a pause between each, then time how long the proxy leaves it open once it goes quiet. */
async function pingThenIdle(socket: Socket, rounds: number): Promise<{ echoed: number; closedAfterMs: number }> {
  let closedAt = 0;
  socket.on("close", () => (closedAt = Date.now()));
  let echoed = 0;
  for (let round = 0; round < rounds; round++) {
    await new Promise((resolve) => setTimeout(resolve, idleMs / 10)); // traffic, with gaps well inside the idle limit
    if (closedAt) break;
    const back = new Promise<void>((resolve) => socket.once("data", () => resolve()));
    socket.write(`ping ${round}`);
    await back;
    echoed++;
  }
  const quietSince = Date.now();
  // Waited for three idle limits at most: a tunnel still open then is reported as never closed.
  if (!closedAt) await new Promise((resolve) => (socket.once("close", resolve), setTimeout(resolve, idleMs * 3)));
  socket.destroy();
  return { echoed, closedAfterMs: closedAt ? closedAt - quietSince : Infinity };
}

describe("idle tunnels", () => {
  let backend: Backend;
  let elsewhere: TlsServer;
  let proxy: Awaited<ReturnType<typeof startTestProxy>>;

  beforeAll(async () => {
    backend = await startBackend();
    // "Another machine" behind a passed-through name: echoes whatever comes.
    elsewhere = createTlsServer(selfSignedCert([passName]), (socket) => socket.pipe(socket));
    await new Promise<void>((resolve) => elsewhere.listen(0, "127.0.0.1", resolve));
    proxy = await startTestProxy(new TestCertificates([podName]), { routes: [{ prefix: "", upstream: { host: "127.0.0.1", port: backend.port } }] }, {
      passthrough: [{ name: passName, upstream: { host: "127.0.0.1", port: (elsewhere.address() as { port: number }).port } }],
      limits: { tunnelIdleTimeoutMs: idleMs },
    });
  });
  afterAll(async () => {
    await proxy.close();
    await backend.close();
    elsewhere.close();
  });

  it("keeps a WebSocket tunnel with traffic open past the idle limit, and closes it once it has been quiet that long", async () => {
    const socket = netConnect(proxy.httpPort, "127.0.0.1");
    socket.write(`GET /socket HTTP/1.1\r\nHost: ${podName}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`);
    const switched = await new Promise<string>((resolve) => socket.once("data", (chunk: Buffer) => resolve(chunk.toString())));
    expect(switched).toMatch(/^HTTP\/1\.1 101/);
    const { echoed, closedAfterMs } = await pingThenIdle(socket, 12);
    expect(echoed).toBe(12); // 1.2x the idle limit of traffic, still open
    expect(closedAfterMs).toBeGreaterThanOrEqual(idleMs - 100);
    expect(closedAfterMs).toBeLessThan(idleMs * 3);
  });

  it("does the same for a connection passed through by its server name", async () => {
    const socket = await new Promise<Socket>((resolve, reject) => {
      const tls = tlsConnect({ port: proxy.httpsPort, host: "127.0.0.1", servername: passName, rejectUnauthorized: false }, () => resolve(tls));
      tls.on("error", reject);
    });
    const { echoed, closedAfterMs } = await pingThenIdle(socket, 12);
    expect(echoed).toBe(12);
    expect(closedAfterMs).toBeGreaterThanOrEqual(idleMs - 100);
    expect(closedAfterMs).toBeLessThan(idleMs * 3);
  });
});
