import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { echoed, podName, rawExchange, startBackend, startTestProxy, statusOf, TestCertificates, type Backend } from "./fixtures";

// "I already run a web server on this PC": nginx/Apache/Caddy/lighttpd forward to podhost from loopback.
describe("behind the user's own web server", () => {
  let backend: Backend;
  let trusting: Awaited<ReturnType<typeof startTestProxy>>;
  let plain: Awaited<ReturnType<typeof startTestProxy>>;
  beforeAll(async () => {
    backend = await startBackend();
    const site = { routes: [{ prefix: "", upstream: { host: "127.0.0.1", port: backend.port } }] };
    const http = { port: 0, host: "127.0.0.1", redirectToHttps: true };
    trusting = await startTestProxy(new TestCertificates([podName]), site, { http, trustLoopbackForwarding: true });
    plain = await startTestProxy(new TestCertificates([podName]), site, { http });
  });
  afterAll(async () => {
    await trusting.close();
    await plain.close();
    await backend.close();
  });

  const fromFront = (extra: string) => `GET /stream HTTP/1.1\r\nHost: ${podName}\r\n${extra}Connection: close\r\n\r\n`;

  it("passes on the visitor's address that the front server added, so per-IP limits still work", async () => {
    const response = await rawExchange(trusting.httpsPort, fromFront("X-Forwarded-For: 6.6.6.6, 203.0.113.7\r\nX-Forwarded-Proto: https\r\n"), { tls: true });
    const seen = echoed(response).headers;
    expect(seen["x-forwarded-for"]).toBe("203.0.113.7");
    expect(seen["x-real-ip"]).toBe("203.0.113.7");
    expect(seen.forwarded).toBe(`for=203.0.113.7;host="${podName}";proto=https`);
  });

  it("forwards plain HTTP that the front server received over TLS, instead of redirecting it in a loop", async () => {
    const response = await rawExchange(trusting.httpPort, fromFront("X-Forwarded-For: 203.0.113.7\r\nX-Forwarded-Proto: https\r\n"));
    expect(statusOf(response)).toBe(200);
    expect(echoed(response).headers["x-forwarded-proto"]).toBe("https");
  });

  it("still redirects plain HTTP the front server received as HTTP", async () => {
    const response = await rawExchange(trusting.httpPort, fromFront("X-Forwarded-Proto: http\r\n"));
    expect(statusOf(response)).toBe(301);
  });

  it("ignores a garbage address and believes nothing when the setting is off", async () => {
    const garbage = await rawExchange(trusting.httpsPort, fromFront("X-Forwarded-For: not-an-ip\r\n"), { tls: true });
    expect(echoed(garbage).headers["x-forwarded-for"]).toBe("127.0.0.1");
    const off = await rawExchange(plain.httpPort, fromFront("X-Forwarded-For: 203.0.113.7\r\nX-Forwarded-Proto: https\r\n"));
    expect(statusOf(off)).toBe(301);
    const offTls = await rawExchange(plain.httpsPort, fromFront("X-Forwarded-For: 203.0.113.7\r\n"), { tls: true });
    expect(echoed(offTls).headers["x-forwarded-for"]).toBe("127.0.0.1");
  });
});
