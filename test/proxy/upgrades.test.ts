import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { podName, rawExchange, startBackend, startRawBackend, startTestProxy, TestCertificates, type Backend } from "./fixtures";

const otherSite = "other.example.test";
const statuses = (text: string) => [...text.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((m) => Number(m[1]));
const upgrade = (path: string, protocol = "websocket") =>
  `GET ${path} HTTP/1.1\r\nHost: ${podName}\r\nConnection: Upgrade\r\nUpgrade: ${protocol}\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`;

describe("upgrades tunnel only after the upstream agreed", () => {
  /** An app that speaks no WebSocket: it answers an upgrade request like any other and keeps the connection. */
  let plainApp: Backend;
  let other: Backend;
  let proxy: Awaited<ReturnType<typeof startTestProxy>>;
  beforeAll(async () => {
    plainApp = await startBackend(0, undefined, { upgrades: false });
    other = await startBackend();
    proxy = await startTestProxy(new TestCertificates([podName]), { routes: [{ prefix: "/app", upstream: { host: "127.0.0.1", port: plainApp.port } }] }, {
      extraHosts: [{ names: [otherSite], routes: [{ prefix: "", upstream: { host: "127.0.0.1", port: other.port } }] }],
      limits: { bodyBytes: 1024 },
    });
  });
  afterAll(async () => {
    await proxy.close();
    await plainApp.close();
    await other.close();
  });

  it("keeps reading HTTP after an upgrade the app answered 200: every rule applies to the next request", async () => {
    const before = { app: plainApp.seen.length, other: other.seen.length };
    const next = [
      `GET / HTTP/1.1\r\nHost: ${otherSite}\r\n\r\n`, // another site's Host: routed by its own rules, not tunnelled to the app
      `GET /app/spoof HTTP/1.1\r\nHost: ${podName}\r\nX-Forwarded-For: 6.6.6.6\r\n\r\n`, // a spoofed forwarding header
      `GET /outside HTTP/1.1\r\nHost: ${podName}\r\n\r\n`, // a path outside the app's prefix
      `POST /app/big HTTP/1.1\r\nHost: ${podName}\r\nContent-Length: 4096\r\nConnection: close\r\n\r\n${"b".repeat(4096)}`, // over the body limit
    ];
    const response = await rawExchange(proxy.httpPort, upgrade("/app/socket") + next.join(""));
    expect(statuses(response)).toEqual([200, 200, 200, 404, 413]);
    const app = plainApp.seen.slice(before.app);
    expect(app.map((r) => r.url)).toEqual(["/socket", "/spoof"]);
    expect(app[0]!.headers.upgrade).toBe("websocket");
    expect(app[1]!.headers["x-forwarded-for"]).toBe("127.0.0.1");
    expect(other.seen.slice(before.other).map((r) => r.url)).toEqual(["/"]);
  });

  it("tunnels nothing but WebSocket: an h2c upgrade goes up as an ordinary request without Upgrade", async () => {
    const before = other.seen.length;
    const response = await rawExchange(proxy.httpPort, `GET /h2 HTTP/1.1\r\nHost: ${otherSite}\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAoAAAAAIAAAAA\r\n\r\nGET /after HTTP/1.1\r\nHost: ${otherSite}\r\nConnection: close\r\n\r\n`);
    expect(statuses(response)).toEqual([200, 200]);
    const seen = other.seen.slice(before);
    expect(seen.map((r) => r.url)).toEqual(["/h2", "/after"]);
    expect(seen[0]!.headers.upgrade).toBeUndefined();
    expect(seen[0]!.headers["http2-settings"]).toBeUndefined();
  });
});

describe("an upstream that switches to something else", () => {
  let raw: Awaited<ReturnType<typeof startRawBackend>>;
  let proxy: Awaited<ReturnType<typeof startTestProxy>>;
  beforeAll(async () => {
    raw = await startRawBackend((data) => (data.startsWith("GET /wrong ") ? "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n" : "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n"));
    proxy = await startTestProxy(new TestCertificates([podName]), { routes: [{ prefix: "", upstream: { host: "127.0.0.1", port: raw.port } }] });
  });
  afterAll(async () => {
    await proxy.close();
    await raw.close();
  });

  it("answers 502 when the 101 names another protocol than the one asked for", async () => {
    const response = await rawExchange(proxy.httpPort, upgrade("/wrong"));
    expect(statuses(response)).toEqual([502]);
  });

  it("answers 502 to a 101 for a request that asked for no upgrade", async () => {
    const response = await rawExchange(proxy.httpPort, `GET /plain HTTP/1.1\r\nHost: ${podName}\r\nConnection: close\r\n\r\n`);
    expect(statuses(response)).toEqual([502]);
  });
});
