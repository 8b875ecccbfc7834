import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { podName, rawExchange, startBackend, startRawBackend, startTestProxy, statusOf, TestCertificates, type Backend } from "./fixtures";

/** A request the attacker hides in a body, and the visitor who comes next on the same upstream connection. */
const hidden = `GET /hidden HTTP/1.1\r\nHost: ${podName}\r\n\r\n`;
const visitor = `GET /visitor HTTP/1.1\r\nHost: ${podName}\r\nCookie: session=visitor\r\nConnection: close\r\n\r\n`;

/** The status line of every answer in a raw response text. */
const statuses = (text: string) => [...text.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((m) => Number(m[1]));

describe("the proxy frames every message itself", () => {
  let backend: Backend;
  let proxy: Awaited<ReturnType<typeof startTestProxy>>;
  let portEighty: Awaited<ReturnType<typeof startTestProxy>>;
  beforeAll(async () => {
    backend = await startBackend();
    const site = { routes: [{ prefix: "", upstream: { host: "127.0.0.1", port: backend.port } }] };
    // One upstream connection, so the attacker and the visitor share it, as they would under load.
    proxy = await startTestProxy(new TestCertificates([podName]), site, { limits: { upstreamConnections: 1 } });
    portEighty = await startTestProxy(new TestCertificates([podName]), site, { http: { port: 0, host: "127.0.0.1", redirectToHttps: true }, limits: { upstreamConnections: 1 } });
  });
  afterAll(async () => {
    await proxy.close();
    await portEighty.close();
    await backend.close();
  });

  for (const listed of ["Content-Length", "content-length, keep-alive", "Transfer-Encoding", "Host", "X-Forwarded-For"]) {
    it(`forwards one request with its whole body when the client's Connection lists ${listed}`, async () => {
      const before = backend.seen.length;
      const response = await rawExchange(proxy.httpPort, `POST /attacker HTTP/1.1\r\nHost: ${podName}\r\nConnection: ${listed}\r\nContent-Length: ${hidden.length}\r\n\r\n${hidden}${visitor}`);
      expect(statuses(response)).toEqual([200, 200]);
      const seen = backend.seen.slice(before);
      expect(seen.map((r) => [r.url, r.body])).toEqual([["/attacker", hidden], ["/visitor", ""]]);
      expect(seen[0]!.headers.host).toBe(podName);
      expect(seen[0]!.headers["x-forwarded-for"]).toBe("127.0.0.1");
      expect(seen[1]!.headers.cookie).toBe("session=visitor");
      expect(seen[0]!.connection).toBe(seen[1]!.connection);
    });
  }

  it("re-frames a chunked body with a Content-Length of its own, whatever the Connection list says", async () => {
    const before = backend.seen.length;
    const body = `${hidden.length.toString(16)}\r\n${hidden}\r\n0\r\n\r\n`;
    const response = await rawExchange(proxy.httpPort, `POST /chunked HTTP/1.1\r\nHost: ${podName}\r\nConnection: Transfer-Encoding, Content-Length\r\nTransfer-Encoding: chunked\r\n\r\n${body}${visitor}`);
    expect(statuses(response)).toEqual([200, 200]);
    const seen = backend.seen.slice(before);
    expect(seen.map((r) => r.url)).toEqual(["/chunked", "/visitor"]);
    expect(seen[0]!.headers["content-length"]).toBe(String(hidden.length));
    expect(seen[0]!.headers["transfer-encoding"]).toBeUndefined();
    expect(seen[0]!.body).toBe(hidden);
  });

  it("does the same on the plain-HTTP port's discovery paths", async () => {
    const before = backend.seen.length;
    const response = await rawExchange(portEighty.httpPort, `POST /.well-known/webfinger HTTP/1.1\r\nHost: ${podName}\r\nConnection: Content-Length\r\nContent-Length: ${hidden.length}\r\n\r\n${hidden}GET /nodeinfo/2.0 HTTP/1.1\r\nHost: ${podName}\r\nConnection: close\r\n\r\n`);
    expect(statuses(response)).toEqual([200, 200]);
    expect(backend.seen.slice(before).map((r) => [r.url, r.body])).toEqual([["/.well-known/webfinger", hidden], ["/nodeinfo/2.0", ""]]);
  });
});

describe("answers from the upstream", () => {
  let raw: Awaited<ReturnType<typeof startRawBackend>>;
  let proxy: Awaited<ReturnType<typeof startTestProxy>>;
  /** The backend connection that carried the last request for each path. */
  const carriedBy = new Map<string, number>();
  /** What the raw backend answers, by the path asked for. */
  const answers: Record<string, string> = {
    "/listed": "HTTP/1.1 200 OK\r\nConnection: Content-Length\r\nContent-Length: 5\r\n\r\nfirst",
    "/trailers": "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-Secret\r\n\r\n5;ext=1\r\nhello\r\n0\r\nX-Secret: internal\r\n\r\n",
    "/http10": "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok",
    "/close": "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok",
  };
  beforeAll(async () => {
    // Answers every request it is asked, on whatever connection, and never closes one itself.
    raw = await startRawBackend((data, connection) => {
      const path = /^[A-Z]+ (\S+)/.exec(data)?.[1] ?? "";
      carriedBy.set(path, connection);
      return answers[path] ?? "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nnext";
    });
    proxy = await startTestProxy(new TestCertificates([podName]), { routes: [{ prefix: "", upstream: { host: "127.0.0.1", port: raw.port } }] }, { limits: { upstreamConnections: 1, upstreamHeadersTimeoutMs: 1000 } });
  });
  afterAll(async () => {
    await proxy.close();
    await raw.close();
  });

  it("gives the client a Content-Length even when the answer's Connection lists it, so the next answer is read as its own", async () => {
    const response = await rawExchange(proxy.httpPort, `GET /listed HTTP/1.1\r\nHost: ${podName}\r\n\r\nGET /next HTTP/1.1\r\nHost: ${podName}\r\nConnection: close\r\n\r\n`);
    expect(statuses(response)).toEqual([200, 200]);
    expect(response).toMatch(/\r\nContent-Length: 5\r\n\r\nfirst/i);
  });

  it("drops the upstream's trailers and chunk extensions instead of passing them on raw", async () => {
    const response = await rawExchange(proxy.httpPort, `GET /trailers HTTP/1.1\r\nHost: ${podName}\r\nConnection: close\r\n\r\n`);
    expect(statusOf(response)).toBe(200);
    expect(response.slice(response.indexOf("\r\n\r\n") + 4)).toBe("5\r\nhello\r\n0\r\n\r\n");
    expect(response).not.toContain("X-Secret");
    expect(response).not.toContain("ext=1");
  });

  for (const [what, path] of [["an HTTP/1.0 answer", "/http10"], ["an answer with Connection: close", "/close"]] as const) {
    it(`never puts the connection of ${what} back into the pool`, async () => {
      expect(statusOf(await rawExchange(proxy.httpPort, `GET ${path} HTTP/1.1\r\nHost: ${podName}\r\nConnection: close\r\n\r\n`))).toBe(200);
      // The backend kept that connection open, but it must not carry the next request.
      const next = await rawExchange(proxy.httpPort, `GET /after HTTP/1.1\r\nHost: ${podName}\r\nConnection: close\r\n\r\n`);
      expect(statusOf(next)).toBe(200);
      expect(carriedBy.get("/after")).not.toBe(carriedBy.get(path));
    });
  }
});
