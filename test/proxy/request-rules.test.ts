import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { echoed, podName, rawExchange, startBackend, startTestProxy, statusOf, TestCertificates, type Backend } from "./fixtures";

const otherSite = "other.example.test";
const get = (host: string, extra = "") => `GET /x HTTP/1.1\r\nHost: ${host}\r\n${extra}Connection: close\r\n\r\n`;

describe("forwarding headers, Host, SNI and RFC 9112 details", () => {
  /** A backend that, like node:http with maxHeadersCount, reads only its first 20 headers. */
  let pod: Backend;
  let other: Backend;
  let proxy: Awaited<ReturnType<typeof startTestProxy>>;
  beforeAll(async () => {
    pod = await startBackend(0, undefined, { maxHeadersCount: 20 });
    other = await startBackend();
    proxy = await startTestProxy(new TestCertificates([podName, otherSite]), { routes: [{ prefix: "", upstream: { host: "127.0.0.1", port: pod.port } }] }, {
      extraHosts: [{ names: [otherSite], routes: [{ prefix: "", upstream: { host: "127.0.0.1", port: other.port } }] }],
    });
  });
  afterAll(async () => {
    await proxy.close();
    await pod.close();
    await other.close();
  });

  it("writes its own forwarding headers first, so a backend that reads only the first headers still sees the visitor", async () => {
    const padding = Array.from({ length: 60 }, (_, i) => `X-Pad-${i}: ${i}\r\n`).join("");
    const seen = echoed(await rawExchange(proxy.httpPort, get(podName, padding)));
    expect(seen.headers["x-forwarded-for"]).toBe("127.0.0.1");
    expect(seen.headers["x-real-ip"]).toBe("127.0.0.1");
    expect(seen.rawHeaders.slice(0, 4)).toEqual(["Host", podName, "X-Forwarded-For", "127.0.0.1"]);
  });

  it("refuses a request with more than 100 header lines (431) before the backend sees it", async () => {
    const before = pod.seen.length;
    const many = Array.from({ length: 101 }, (_, i) => `X-H-${i}: ${i}\r\n`).join("");
    expect(statusOf(await rawExchange(proxy.httpPort, get(podName, many)))).toBe(431);
    expect(pod.seen.length).toBe(before);
  });

  it("drops header names with an underscore, which Rack would read as X-Forwarded-For", async () => {
    const seen = echoed(await rawExchange(proxy.httpPort, get(podName, "X_Forwarded_For: 6.6.6.6\r\nX-Real_IP: 6.6.6.6\r\nX-Fine: yes\r\n")));
    expect(Object.keys(seen.headers).filter((name) => name.includes("_"))).toEqual([]);
    expect(seen.headers["x-fine"]).toBe("yes");
    expect(seen.headers["x-forwarded-for"]).toBe("127.0.0.1");
  });

  it("answers 421 when a TLS connection opened for one of our names asks for another", async () => {
    const before = other.seen.length;
    const response = await rawExchange(proxy.httpsPort, get(otherSite), { tls: true, servername: podName });
    expect(statusOf(response)).toBe(421);
    expect(other.seen.length).toBe(before);
    expect(statusOf(await rawExchange(proxy.httpsPort, get(otherSite), { tls: true, servername: otherSite }))).toBe(200);
  });

  for (const host of [`${podName}\t`, `\t${podName}`, `${podName}:99999`, `${podName}:0`, `${podName}:80x`, `${podName}:-1`, "pod..example.test", "pod example.test", `${podName}@evil`]) {
    it(`answers a malformed Host (${host}) with 400, not 421`, async () => {
      const before = pod.seen.length;
      expect(statusOf(await rawExchange(proxy.httpPort, get(host)))).toBe(400);
      expect(pod.seen.length).toBe(before);
    });
  }

  it("takes a Host with a valid port and tells the pod that port", async () => {
    const seen = echoed(await rawExchange(proxy.httpPort, get(`${podName}:8443`)));
    expect(seen.headers["x-forwarded-port"]).toBe("8443");
  });

  it("ignores an empty line before the request line (RFC 9112 2.2), also between pipelined requests", async () => {
    expect(statusOf(await rawExchange(proxy.httpPort, `\r\n\r\n${get(podName)}`))).toBe(200);
    expect(statusOf(await rawExchange(proxy.httpPort, `\r\r\n\n${get(podName)}`))).toBe(200);
    const pipelined = await rawExchange(proxy.httpPort, `\r\nGET /a HTTP/1.1\r\nHost: ${podName}\r\n\r\n\r\nPOST /b HTTP/1.1\r\nHost: ${podName}\r\nContent-Length: 1\r\n\r\nb\r\n${get(podName)}`);
    expect([...pipelined.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((m) => m[1])).toEqual(["200", "200", "200"]);
  });

  it("routes an absolute-form target naming one of our hosts, its authority winning over Host (RFC 9112 3.2.2)", async () => {
    const before = pod.seen.length;
    const seen = echoed(await rawExchange(proxy.httpPort, `GET https://${podName}/abs?q=1 HTTP/1.1\r\nHost: ${otherSite}\r\nConnection: close\r\n\r\n`));
    expect(seen.url).toBe("/abs?q=1");
    expect(seen.headers.host).toBe(podName);
    expect(pod.seen.length).toBe(before + 1);
  });

  for (const path of ["/%", "/a%2", "/a%zz/b"]) {
    it(`answers a path with a malformed percent escape (${path}) with 400, as nginx does`, async () => {
      const before = pod.seen.length;
      expect(statusOf(await rawExchange(proxy.httpPort, `POST ${path} HTTP/1.1\r\nHost: ${podName}\r\nContent-Length: 0\r\n\r\n`))).toBe(400);
      expect(pod.seen.length).toBe(before);
    });
  }

  it("refuses two Expect headers (417), as nginx does, whichever comes first", async () => {
    const before = pod.seen.length;
    for (const pair of ["Expect: 200-ok\r\nExpect: 100-continue", "Expect: 100-continue\r\nExpect: 100-continue"]) {
      expect(statusOf(await rawExchange(proxy.httpPort, `POST /e HTTP/1.1\r\nHost: ${podName}\r\n${pair}\r\nContent-Length: 0\r\n\r\n`))).toBe(417);
    }
    expect(pod.seen.length).toBe(before);
  });

  it("routes an HTTP/1.0 request without Host by its absolute-form target, as nginx does (only HTTP/1.1 owes a Host)", async () => {
    const before = pod.seen.length;
    const response = await rawExchange(proxy.httpPort, `GET http://${podName}/old?x=1 HTTP/1.0\r\n\r\n`);
    expect(statusOf(response)).toBe(200);
    expect(pod.seen.slice(before).map((r) => [r.url, r.headers.host, r.headers["x-forwarded-host"]])).toEqual([["/old?x=1", podName, podName]]);
  });

  it("answers an HTTP/1.0 request that names no host 421, as an unknown name, and reads the next request on the connection", async () => {
    const before = pod.seen.length;
    const response = await rawExchange(proxy.httpPort, `GET /old HTTP/1.0\r\nConnection: keep-alive\r\n\r\n${get(podName)}`);
    expect(response.match(/^HTTP\/1\.1 \d{3}/gm)).toEqual(["HTTP/1.1 421", "HTTP/1.1 200"]);
    expect(pod.seen.slice(before).map((r) => r.url)).toEqual(["/x"]);
  });

  it("still refuses an HTTP/1.1 request without Host (400, RFC 9112 3.2), whatever its target", async () => {
    const before = pod.seen.length;
    for (const line of ["GET /x HTTP/1.1", `GET http://${podName}/x HTTP/1.1`]) expect(statusOf(await rawExchange(proxy.httpPort, `${line}\r\nConnection: close\r\n\r\n`)), line).toBe(400);
    expect(pod.seen.length).toBe(before);
  });

  it("never acts as an open proxy for an absolute-form target naming someone else", async () => {
    const before = pod.seen.length + other.seen.length;
    expect(statusOf(await rawExchange(proxy.httpPort, `GET http://127.0.0.1:${pod.port}/x HTTP/1.1\r\nHost: ${podName}\r\nConnection: close\r\n\r\n`))).toBe(421);
    expect(statusOf(await rawExchange(proxy.httpPort, `GET http://user@${podName}/x HTTP/1.1\r\nHost: ${podName}\r\nConnection: close\r\n\r\n`))).toBe(400);
    expect(pod.seen.length + other.seen.length).toBe(before);
  });

  const chunked = (body: string) => `POST /c HTTP/1.1\r\nHost: ${podName}\r\nTransfer-Encoding: chunked\r\n\r\n${body}GET /smuggled HTTP/1.1\r\nHost: ${podName}\r\n\r\n`;
  const badChunks: Record<string, string> = {
    "a chunk extension with a control character": "3;a=\x01\r\nabc\r\n0\r\n\r\n",
    "a chunk extension with DEL": "3;a\x7f\r\nabc\r\n0\r\n\r\n",
    "a chunk extension with a space in its name": "3;a b\r\nabc\r\n0\r\n\r\n",
    "a chunk extension with a tab": "3;a\t\r\nabc\r\n0\r\n\r\n",
    "an empty chunk extension": "3;\r\nabc\r\n0\r\n\r\n",
    "a chunk extension with two equals signs": "3;a==b\r\nabc\r\n0\r\n\r\n",
    "a chunk extension value that is not a token": "3;a=\xff\r\nabc\r\n0\r\n\r\n",
    "a trailer without a colon": "3\r\nabc\r\n0\r\nX-Trailer\r\n\r\n",
    "a trailer with a control character": "3\r\nabc\r\n0\r\nX-Trailer: a\x00b\r\n\r\n",
    "a trailer with an empty name": "3\r\nabc\r\n0\r\n: value\r\n\r\n",
    "a Content-Length trailer": "3\r\nabc\r\n0\r\nContent-Length: 3\r\n\r\n",
  };
  for (const [what, body] of Object.entries(badChunks)) {
    it(`refuses ${what} (400) and forwards nothing`, async () => {
      const before = pod.seen.length;
      expect(statusOf(await rawExchange(proxy.httpPort, chunked(body)))).toBe(400);
      expect(pod.seen.length).toBe(before);
    });
  }

  it("answers a HEAD whose body it refuses with the 400's head alone, then closes (an Upgrade asked for changes nothing)", async () => {
    const before = pod.seen.length;
    const head = `HEAD /h HTTP/1.1\r\nConnection: upgrade\r\nHost: ${podName}\r\nTransfer-Encoding: chunked\r\nUpgrade: WebSocket\r\n\r\n`;
    const response = await rawExchange(proxy.httpPort, `${head}0\r\nContent-Length: 5\r\n\r\n`);
    expect(statusOf(response)).toBe(400);
    // The whole answer is its head: a Content-Length announced, no body sent (RFC 9110 9.3.2), and no second answer.
    expect(response).toMatch(/\r\nContent-Length: \d+\r\n/);
    expect(response).toMatch(/\r\nConnection: close\r\n/);
    expect(response.endsWith("\r\n\r\n")).toBe(true);
    expect(response.match(/HTTP\/1\.1/g)).toHaveLength(1);
    expect(pod.seen.length).toBe(before);
  });

  for (const [line, status] of [["get /x HTTP/1.1", 400], ["Get /x HTTP/1.1", 400], ["FOO /x HTTP/1.1", 400], ["PRI * HTTP/2.0", 400], ["TRACE /x HTTP/1.1", 405], [`CONNECT ${podName}:443 HTTP/1.1`, 405]] as const) {
    it(`refuses "${line}" with ${status}, as nginx and llhttp do, and forwards nothing`, async () => {
      const before = pod.seen.length;
      expect(statusOf(await rawExchange(proxy.httpPort, `${line}\r\nHost: ${podName}\r\n\r\n`))).toBe(status);
      expect(pod.seen.length).toBe(before);
    });
  }

  it("accepts well-formed chunk extensions and trailers, and forwards only the body", async () => {
    const seen = echoed(await rawExchange(proxy.httpPort, `POST /c HTTP/1.1\r\nHost: ${podName}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n3;name="a b";x=1;=v;y=\r\nabc\r\n0\r\nX-Trailer: fine\r\n\r\n`));
    expect(seen.body).toBe("abc");
    expect(seen.headers["x-trailer"]).toBeUndefined();
  });
});
