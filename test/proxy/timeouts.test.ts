import { connect, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "../helpers/temp";
import { podName, startBackend, startTestProxy, TestCertificates, type Backend } from "./fixtures";

/** Connect, write `text`, and resolve with what came back once the proxy closes the connection. */
function untilClosed(port: number, write: (socket: Socket) => void): Promise<{ text: string; ms: number }> {
  return new Promise((resolve) => {
    const started = Date.now();
    const socket = connect(port, "127.0.0.1", () => write(socket));
    let text = "";
    socket.on("data", (chunk: Buffer) => (text += chunk.toString()));
    socket.on("error", () => undefined);
    socket.on("close", () => resolve({ text, ms: Date.now() - started }));
  });
}

describe("slow clients and connection caps", () => {
  let backend: Backend;
  let proxy: Awaited<ReturnType<typeof startTestProxy>>;
  const limits = { headersTimeoutMs: 400, requestTimeoutMs: 1000, keepAliveTimeoutMs: 300, helloTimeoutMs: 300, maxConnections: 5 };
  beforeAll(async () => {
    backend = await startBackend();
    proxy = await startTestProxy(new TestCertificates([podName]), { routes: [{ prefix: "", upstream: { host: "127.0.0.1", port: backend.port } }] }, { limits });
  });
  afterAll(async () => {
    await proxy.close();
    await backend.close();
  });

  it("cuts off a client that never finishes its headers (408)", async () => {
    const { text, ms } = await untilClosed(proxy.httpPort, (s) => s.write(`GET / HTTP/1.1\r\nHost: ${podName}\r\n`));
    expect(text).toMatch(/^HTTP\/1\.1 408/);
    expect(ms).toBeLessThan(3000);
  });

  it("cuts off a client that sends its body too slowly (request timeout)", async () => {
    const { ms } = await untilClosed(proxy.httpPort, (s) => {
      s.write(`POST / HTTP/1.1\r\nHost: ${podName}\r\nContent-Length: 100\r\n\r\n`);
      const drip = setInterval(() => (s.writable ? s.write("a") : clearInterval(drip)), 100);
      s.on("close", () => clearInterval(drip));
    });
    expect(ms).toBeGreaterThanOrEqual(limits.requestTimeoutMs - 50);
    expect(ms).toBeLessThan(5000);
  });

  it("closes an idle keep-alive connection", async () => {
    const { text, ms } = await untilClosed(proxy.httpPort, (s) => s.write(`GET / HTTP/1.1\r\nHost: ${podName}\r\n\r\n`));
    expect(text).toMatch(/^HTTP\/1\.1 200/);
    expect(ms).toBeLessThan(3000);
  });

  it("stops taking pipelined requests from a client that never reads the answers, then cuts it off", async () => {
    const before = proxy.stats().requests;
    const sent = 100_000;
    let closed = false;
    const socket = connect(proxy.httpPort, "127.0.0.1", () => {
      socket.pause(); // never reads
      socket.write(`GET / HTTP/1.1\r\nHost: unknown.example.test\r\n\r\n`.repeat(sent));
    });
    socket.on("error", () => undefined);
    socket.on("close", () => (closed = true));
    const answered = await waitFor("the client cut off, or every request answered", () => {
      const count = proxy.stats().requests - before;
      return closed || count >= sent ? count : undefined;
    });
    socket.destroy();
    // What the kernel's socket buffers hold (a few MB: thousands of 421 pages), not one answer per request sent.
    expect(answered).toBeGreaterThan(0);
    expect(answered).toBeLessThan(sent / 2);
  });

  it("closes a TLS connection that never sends its ClientHello (SNI peek timeout)", async () => {
    const { text, ms } = await untilClosed(proxy.httpsPort, (s) => s.write(Buffer.from([0x16, 0x03])));
    expect(text).toBe("");
    expect(ms).toBeLessThan(3000);
  });

  it("accepts no more than maxConnections at once", async () => {
    const open: Socket[] = [];
    for (let i = 0; i < limits.maxConnections; i++) {
      const socket = connect(proxy.httpPort, "127.0.0.1");
      socket.on("error", () => undefined);
      open.push(socket);
      await new Promise((resolve) => socket.once("connect", resolve));
    }
    await waitFor("the proxy to count the connections", () => proxy.stats().openConnections >= limits.maxConnections);
    const { text } = await untilClosed(proxy.httpPort, (s) => s.write(`GET / HTTP/1.1\r\nHost: ${podName}\r\n\r\n`));
    expect(text).toBe("");
    for (const socket of open) socket.destroy();
    await waitFor("connections to drain", () => proxy.stats().openConnections === 0);
    const { text: after } = await untilClosed(proxy.httpPort, (s) => s.write(`GET / HTTP/1.1\r\nHost: ${podName}\r\nConnection: close\r\n\r\n`));
    expect(after).toMatch(/^HTTP\/1\.1 200/);
  });
});
