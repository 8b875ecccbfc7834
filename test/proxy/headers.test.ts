import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { echoed, podName, rawExchange, startBackend, startTestProxy, statusOf, TestCertificates, type Backend } from "./fixtures";

describe("forwarding headers", () => {
  let backend: Backend;
  let proxy: Awaited<ReturnType<typeof startTestProxy>>;
  beforeAll(async () => {
    backend = await startBackend();
    proxy = await startTestProxy(new TestCertificates([podName]), { routes: [{ prefix: "", upstream: { host: "127.0.0.1", port: backend.port } }] });
  });
  afterAll(async () => {
    await proxy.close();
    await backend.close();
  });

  it("deletes client-sent Forwarded, X-Forwarded-* and X-Real-IP and writes fresh values", async () => {
    const response = await rawExchange(
      proxy.httpsPort,
      `GET /x HTTP/1.1\r\nHost: ${podName}\r\nX-Forwarded-For: 6.6.6.6\r\nX-Forwarded-Proto: http\r\nX-Forwarded-Host: evil.example\r\nX-Forwarded-Ssl: off\r\nX-Forwarded-Scheme: http\r\nX-Forwarded-Port: 1\r\nX-Forwarded-Prefix: /evil\r\nX-Real-IP: 6.6.6.6\r\nForwarded: for=6.6.6.6\r\nConnection: close\r\n\r\n`,
      { tls: true },
    );
    expect(statusOf(response)).toBe(200);
    const seen = echoed(response);
    expect(seen.headers["x-forwarded-for"]).toBe("127.0.0.1");
    expect(seen.headers["x-real-ip"]).toBe("127.0.0.1");
    expect(seen.headers["x-forwarded-proto"]).toBe("https");
    expect(seen.headers["x-forwarded-host"]).toBe(podName);
    // The port the client used (none in Host: the scheme's), not the proxy's listening port.
    expect(seen.headers["x-forwarded-port"]).toBe("443");
    expect(seen.headers.forwarded).toBe(`for=127.0.0.1;host="${podName}";proto=https`);
    expect(seen.headers.host).toBe(podName);
    for (const gone of ["x-forwarded-ssl", "x-forwarded-scheme", "x-forwarded-prefix"]) expect(seen.headers[gone]).toBeUndefined();
    expect(JSON.stringify(seen.rawHeaders)).not.toContain("6.6.6.6");
    expect(JSON.stringify(seen.rawHeaders)).not.toContain("evil");
  });

  it("strips hop-by-hop headers and every name listed in Connection before adding its own", async () => {
    const response = await rawExchange(
      proxy.httpPort,
      `GET /y HTTP/1.1\r\nHost: ${podName}\r\nConnection: close, X-Secret-Hop, X-Forwarded-For\r\nX-Secret-Hop: 1\r\nKeep-Alive: timeout=5\r\nTE: trailers\r\nProxy-Connection: keep-alive\r\nProxy-Authorization: Basic Zm9vOmJhcg==\r\nX-Kept: yes\r\n\r\n`,
    );
    expect(statusOf(response)).toBe(200);
    const seen = echoed(response);
    for (const gone of ["x-secret-hop", "keep-alive", "te", "proxy-connection", "proxy-authorization"]) expect(seen.headers[gone]).toBeUndefined();
    expect(seen.headers["x-kept"]).toBe("yes");
    // Our own forwarding header survives even though the client listed its name in Connection.
    expect(seen.headers["x-forwarded-for"]).toBe("127.0.0.1");
    expect(seen.headers["x-forwarded-proto"]).toBe("http");
  });

  it("reports the port from the client's Host header as X-Forwarded-Port", async () => {
    const response = await rawExchange(proxy.httpPort, `GET / HTTP/1.1\r\nHost: ${podName}:8080\r\nConnection: close\r\n\r\n`);
    expect(echoed(response).headers["x-forwarded-port"]).toBe("8080");
  });

  it("does not pass the backend's hop-by-hop response headers to the client", async () => {
    const response = await rawExchange(proxy.httpPort, `GET /z HTTP/1.1\r\nHost: ${podName}\r\nConnection: close\r\n\r\n`);
    expect(response.toLowerCase()).not.toContain("keep-alive: timeout");
    expect(response.toLowerCase()).toContain("connection: close");
  });
});
