import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { echoed, podName, rawExchange, startBackend, startTestProxy, statusOf, TestCertificates, type Backend } from "./fixtures";

const get = (path: string, host: string | undefined = podName) => `GET ${path} HTTP/1.1\r\n${host === undefined ? "" : `Host: ${host}\r\n`}Connection: close\r\n\r\n`;
const location = (response: string) => /\r\nlocation: ([^\r]+)\r\n/i.exec(response)?.[1];

describe("the HTTP port", () => {
  let backend: Backend;
  let certs: TestCertificates;
  let proxy: Awaited<ReturnType<typeof startTestProxy>>;
  beforeAll(async () => {
    backend = await startBackend();
    certs = new TestCertificates([podName]);
    certs.tokens.set("tok-123", "tok-123.thumbprint");
    proxy = await startTestProxy(certs, { redirectNames: [`www.${podName}`], routes: [{ prefix: "", upstream: { host: "127.0.0.1", port: backend.port } }] }, {
      http: { port: 0, host: "127.0.0.1", redirectToHttps: true },
    });
  });
  afterAll(async () => {
    await proxy.close();
    await backend.close();
  });

  it("answers a pending ACME HTTP-01 token with its key authorization, before any redirect, for repeated probes", async () => {
    for (let probe = 0; probe < 3; probe++) {
      const response = await rawExchange(proxy.httpPort, get("/.well-known/acme-challenge/tok-123"));
      expect(statusOf(response)).toBe(200);
      expect(response).toMatch(/content-type: text\/plain/i);
      expect(response.endsWith("\r\n\r\ntok-123.thumbprint")).toBe(true);
    }
  });

  it("answers 404 for an unknown ACME token", async () => {
    expect(statusOf(await rawExchange(proxy.httpPort, get("/.well-known/acme-challenge/nope")))).toBe(404);
  });

  it("proxies the discovery paths to the pod without a redirect", async () => {
    for (const path of ["/.well-known/host-meta", "/.well-known/webfinger?resource=acct:alice@pod.example.test", "/.well-known/nodeinfo", "/nodeinfo/2.0"]) {
      const response = await rawExchange(proxy.httpPort, get(path));
      expect(statusOf(response), path).toBe(200);
      expect(echoed(response).url).toBe(path);
      expect(echoed(response).headers["x-forwarded-proto"]).toBe("http");
    }
  });

  it("redirects everything else with 301 to https on the validated host", async () => {
    const response = await rawExchange(proxy.httpPort, get("/stream?a=1"));
    expect(statusOf(response)).toBe(301);
    expect(location(response)).toBe(`https://${podName}/stream?a=1`);
    const withPort = await rawExchange(proxy.httpPort, get("/x", `${podName}:${proxy.httpPort}`));
    expect(location(withPort)).toBe(`https://${podName}:${proxy.httpsPort}/x`);
  });

  it("redirects an alias straight to https on the bare host", async () => {
    expect(location(await rawExchange(proxy.httpPort, get("/p", `www.${podName}`)))).toBe(`https://${podName}/p`);
  });

  it("never reflects an unknown or missing Host into a redirect", async () => {
    const unknown = await rawExchange(proxy.httpPort, get("/x", "evil.example"));
    expect(statusOf(unknown)).toBe(421);
    expect(unknown).not.toContain("evil.example");
    const http10 = await rawExchange(proxy.httpPort, "GET /x HTTP/1.0\r\n\r\n");
    expect(statusOf(http10)).toBe(421);
    expect(location(http10)).toBeUndefined();
  });
});
