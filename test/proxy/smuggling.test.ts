import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { podName, rawExchange, startBackend, startTestProxy, statusOf, TestCertificates, type Backend } from "./fixtures";

/** Each attack is a request whose framing two parsers could read differently, followed by a smuggled one. */
const smuggled = `GET /smuggled HTTP/1.1\r\nHost: ${podName}\r\n\r\n`;
const attacks: Record<string, string> = {
  "Content-Length with Transfer-Encoding": `POST /a HTTP/1.1\r\nHost: ${podName}\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n${smuggled}`,
  "two different Content-Lengths": `POST /a HTTP/1.1\r\nHost: ${podName}\r\nContent-Length: 0\r\nContent-Length: ${smuggled.length}\r\n\r\n${smuggled}`,
  "two equal Content-Lengths": `POST /a HTTP/1.1\r\nHost: ${podName}\r\nContent-Length: 0\r\nContent-Length: 0\r\n\r\n${smuggled}`,
  "bare LF line endings": `POST /a HTTP/1.1\nHost: ${podName}\nContent-Length: 0\n\n${smuggled}`,
  "a bare LF inside the headers": `POST /a HTTP/1.1\r\nHost: ${podName}\r\nX-A: 1\nContent-Length: 0\r\n\r\n${smuggled}`,
  "Transfer-Encoding: chunked, x": `POST /a HTTP/1.1\r\nHost: ${podName}\r\nTransfer-Encoding: chunked, x\r\n\r\n0\r\n\r\n${smuggled}`,
  "Transfer-Encoding with an obfuscated name": `POST /a HTTP/1.1\r\nHost: ${podName}\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\n${smuggled}`,
  "a tab before the Content-Length value (nginx refuses it)": `POST /a HTTP/1.1\r\nHost: ${podName}\r\nContent-Length:\t ${smuggled.length}\r\n\r\n${smuggled}`,
  "a tab after Transfer-Encoding: chunked (nginx refuses it)": `POST /a HTTP/1.1\r\nHost: ${podName}\r\nTransfer-Encoding: chunked\t\r\n\r\n0\r\n\r\n${smuggled}`,
};

describe("request smuggling and size limits", () => {
  let backend: Backend;
  let proxy: Awaited<ReturnType<typeof startTestProxy>>;
  beforeAll(async () => {
    backend = await startBackend();
    proxy = await startTestProxy(new TestCertificates([podName]), { routes: [{ prefix: "", upstream: { host: "127.0.0.1", port: backend.port } }] }, {
      limits: { headerBytes: 8192, bodyBytes: 1024 },
    });
  });
  afterAll(async () => {
    await proxy.close();
    await backend.close();
  });

  for (const [name, request] of Object.entries(attacks)) {
    it(`answers ${name} with 400, closes, and the backend sees no request`, async () => {
      const before = backend.seen.length;
      const response = await rawExchange(proxy.httpPort, request);
      expect(statusOf(response)).toBe(400);
      expect(response.match(/HTTP\/1\.1/g)).toHaveLength(1);
      expect(backend.seen.length).toBe(before);
    });
  }

  it("reads spaces after a Content-Length value as whitespace around it (RFC 9110 5.5), as nginx and llhttp do, and forwards the body with its own framing", async () => {
    const before = backend.seen.length;
    const response = await rawExchange(proxy.httpPort, `POST /spaced HTTP/1.1\r\nHost: ${podName}\r\nContent-Length: 3  \r\n\r\nabcGET /next HTTP/1.1\r\nHost: ${podName}\r\nConnection: close\r\n\r\n`);
    expect(response.match(/HTTP\/1\.1 200/g)).toHaveLength(2);
    expect(backend.seen.slice(before).map((r) => [r.url, r.body, r.headers["content-length"]])).toEqual([["/spaced", "abc", "3"], ["/next", "", undefined]]);
  });

  it("forwards exactly one request for a well-formed chunked POST followed by another request", async () => {
    const before = backend.seen.length;
    const response = await rawExchange(proxy.httpPort, `POST /a HTTP/1.1\r\nHost: ${podName}\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\nGET /b HTTP/1.1\r\nHost: ${podName}\r\nConnection: close\r\n\r\n`);
    expect(response.match(/HTTP\/1\.1 200/g)).toHaveLength(2);
    expect(backend.seen.slice(before).map((r) => [r.url, r.body])).toEqual([["/a", "abc"], ["/b", ""]]);
  });

  it("answers a request head larger than the limit with 431", async () => {
    const response = await rawExchange(proxy.httpPort, `GET / HTTP/1.1\r\nHost: ${podName}\r\nX-Big: ${"a".repeat(10_000)}\r\n\r\n`);
    expect(statusOf(response)).toBe(431);
  });

  it("answers a Content-Length above the body limit with 413 without reading it", async () => {
    const before = backend.seen.length;
    const response = await rawExchange(proxy.httpPort, `POST / HTTP/1.1\r\nHost: ${podName}\r\nContent-Length: 2048\r\n\r\n${"a".repeat(2048)}`);
    expect(statusOf(response)).toBe(413);
    expect(backend.seen.length).toBe(before);
  });

  it("cuts a chunked body off at the limit with 413", async () => {
    const chunk = "a".repeat(600);
    const response = await rawExchange(proxy.httpPort, `POST / HTTP/1.1\r\nHost: ${podName}\r\nTransfer-Encoding: chunked\r\n\r\n258\r\n${chunk}\r\n258\r\n${chunk}\r\n0\r\n\r\n`);
    expect(statusOf(response)).toBe(413);
  });

  it("passes a body within the limit", async () => {
    const response = await rawExchange(proxy.httpPort, `POST /ok HTTP/1.1\r\nHost: ${podName}\r\nContent-Length: 1000\r\nConnection: close\r\n\r\n${"b".repeat(1000)}`);
    expect(statusOf(response)).toBe(200);
    expect(backend.seen.at(-1)?.body).toHaveLength(1000);
  });
});
