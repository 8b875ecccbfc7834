import { createServer } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clientKey } from "../../main/proxy/upstream";
import { httpGet, podName, rawExchange, startBackend, startTestProxy, statusOf, TestCertificates, type Backend } from "./fixtures";

describe("upstream connections", () => {
  let backend: Backend;
  let proxy: Awaited<ReturnType<typeof startTestProxy>>;
  let downPort: number;
  /** A backend that takes connections and never reads from them. */
  const deaf = createServer(() => undefined);
  const poolSize = 4;
  beforeAll(async () => {
    await new Promise<void>((resolve) => deaf.listen(0, "127.0.0.1", resolve));
    backend = await startBackend(0, (req) => (req.url === "/slow" ? { delayMs: 2000 } : undefined));
    // A port that was free a moment ago: nothing listens there.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
    downPort = (probe.address() as { port: number }).port;
    await new Promise((resolve) => probe.close(resolve));
    proxy = await startTestProxy(
      new TestCertificates([podName]),
      { routes: [{ prefix: "", upstream: { host: "127.0.0.1", port: backend.port } }] },
      {
        extraHosts: [
          { names: ["down.example.test"], routes: [{ prefix: "", upstream: { host: "127.0.0.1", port: downPort } }] },
          { names: ["deaf.example.test"], routes: [{ prefix: "", upstream: { host: "127.0.0.1", port: (deaf.address() as { port: number }).port } }] },
        ],
        limits: { upstreamConnections: poolSize, upstreamHeadersTimeoutMs: 300 },
      },
    );
  });
  afterAll(async () => {
    await proxy.close();
    await backend.close();
    deaf.close();
  });

  it("reuses keep-alive connections: 1,000 requests reach the backend over at most the pool size", async () => {
    const before = backend.connections;
    for (let batch = 0; batch < 50; batch++) await Promise.all(Array.from({ length: 20 }, () => httpGet(proxy.httpPort, "/k")));
    expect(backend.seen.filter((r) => r.url === "/k")).toHaveLength(1000);
    expect(backend.connections - before).toBeLessThanOrEqual(poolSize);
    expect(backend.connections - before).toBeGreaterThan(0);
  });

  it("shows browsers a self-refreshing 'pod is starting' page with 502 when the backend is down", async () => {
    const response = await rawExchange(proxy.httpPort, `GET / HTTP/1.1\r\nHost: down.example.test\r\nAccept: text/html,application/xhtml+xml\r\nConnection: close\r\n\r\n`);
    expect(statusOf(response)).toBe(502);
    expect(response).toMatch(/content-type: text\/html/i);
    expect(response).toMatch(/retry-after: \d+/i);
    expect(response).toContain('http-equiv="refresh"');
    expect(response).toContain("Your pod is starting");
  });

  it("gives API and federation clients a plain 502 with Retry-After, and stays up", async () => {
    const response = await rawExchange(proxy.httpPort, `POST /receive/public HTTP/1.1\r\nHost: down.example.test\r\nAccept: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}`);
    expect(statusOf(response)).toBe(502);
    expect(response).toMatch(/content-type: text\/plain/i);
    expect(response).toMatch(/retry-after: \d+/i);
    expect(statusOf(await rawExchange(proxy.httpPort, `GET / HTTP/1.1\r\nHost: ${podName}\r\nConnection: close\r\n\r\n`))).toBe(200);
    expect(proxy.stats().upstreamErrors).toBeGreaterThanOrEqual(2);
    expect(proxy.stats().lastErrors.at(-1)?.text).toContain("connection refused");
  });

  it("waits for a backend that reads an upload slowly without piling up a listener per chunk", async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(`${warning.name}: ${warning.message}`);
    process.on("warning", onWarning);
    try {
      // 100,000 one-byte chunks: far more than the socket buffers hold while the backend reads nothing.
      const upload = `POST /upload HTTP/1.1\r\nHost: deaf.example.test\r\nTransfer-Encoding: chunked\r\n\r\n${"1\r\nx\r\n".repeat(100_000)}0\r\n\r\n`;
      expect(statusOf(await rawExchange(proxy.httpPort, upload, { untilText: "\r\n\r\n" }))).toBe(504);
      // Node reports a leak of listeners in a warning of its own, a tick after the 11th is added.
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings.filter((w) => w.includes("MaxListenersExceeded"))).toEqual([]);
    } finally {
      process.off("warning", onWarning);
    }
  });

  it("answers 504 when the backend is too slow", async () => {
    const response = await rawExchange(proxy.httpPort, `GET /slow HTTP/1.1\r\nHost: ${podName}\r\nConnection: close\r\n\r\n`);
    expect(statusOf(response)).toBe(504);
  });

  it("counts a visitor's fair share by its address, and an IPv6 visitor by its /64", () => {
    expect(clientKey("203.0.113.7")).toBe("203.0.113.7");
    expect(clientKey("::ffff:203.0.113.7")).toBe("::ffff:203.0.113.7");
    expect(clientKey("2001:db8:1:2:aaaa::1")).toBe("2001:db8:1:2::/64");
    expect(clientKey("2001:db8:1:2:bbbb:cccc:dddd:eeee")).toBe("2001:db8:1:2::/64");
    expect(clientKey("2001:db8::1")).toBe("2001:db8:0:0::/64");
    expect(clientKey("::1")).toBe("0:0:0:0::/64");
  });
});
