import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { join } from "node:path";
import { tempDir, waitFor } from "../helpers/temp";
import { echoed, podName, rawExchange, startBackend, startTestProxy, statusOf, TestCertificates, type Backend } from "./fixtures";

const get = (path: string, host = podName) => `GET ${path} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`;

describe("routing by host and path prefix", () => {
  let pod: Backend;
  let blog: Backend;
  let socketBackend: Backend;
  let proxy: Awaited<ReturnType<typeof startTestProxy>>;
  let dir: Awaited<ReturnType<typeof tempDir>>;
  beforeAll(async () => {
    dir = await tempDir();
    pod = await startBackend();
    blog = await startBackend(0, (req) =>
      req.url === "/login" ? { status: 302, headers: { location: "/dashboard", "set-cookie": ["sid=1; Path=/; HttpOnly", "pref=2; path=/settings"] } } : req.url === "/slow" ? { delayMs: 300 } : undefined,
    );
    socketBackend = await startBackend(join(dir.path, "app.sock"));
    proxy = await startTestProxy(
      new TestCertificates([podName]),
      { redirectNames: [`www.${podName}`], routes: [{ prefix: "", upstream: { host: "127.0.0.1", port: pod.port } }, { prefix: "/blog", upstream: { host: "127.0.0.1", port: blog.port } }] },
      { extraHosts: [{ names: ["sock.example.test"], routes: [{ prefix: "", upstream: { socketPath: join(dir.path, "app.sock") } }] }] },
    );
  });
  afterAll(async () => {
    await proxy.close();
    await Promise.all([pod.close(), blog.close(), socketBackend.close()]);
    await dir.cleanup();
  });

  it("answers 421 to a Host it does not serve, and the backend sees nothing", async () => {
    const before = pod.seen.length;
    expect(statusOf(await rawExchange(proxy.httpPort, get("/", "evil.example")))).toBe(421);
    expect(statusOf(await rawExchange(proxy.httpsPort, get("/", "evil.example"), { tls: true }))).toBe(421);
    expect(pod.seen.length).toBe(before);
  });

  it("matches the Host case-insensitively and without its port or trailing dot", async () => {
    expect(statusOf(await rawExchange(proxy.httpPort, get("/", `POD.Example.TEST.:${proxy.httpPort}`)))).toBe(200);
  });

  it("refuses an absolute-form target naming another origin (421) instead of fetching it", async () => {
    const before = pod.seen.length;
    const response = await rawExchange(proxy.httpPort, `GET http://evil.example/x HTTP/1.1\r\nHost: ${podName}\r\nConnection: close\r\n\r\n`);
    expect(statusOf(response)).toBe(421);
    expect(pod.seen.length).toBe(before);
  });

  it("sends a //host target to the configured backend as a path, never as another origin", async () => {
    const seen = echoed(await rawExchange(proxy.httpPort, get("//evil.example/x")));
    expect(seen.url).toBe("/evil.example/x");
    expect(seen.headers.host).toBe(podName);
  });

  it("refuses duplicate Host headers", async () => {
    expect(statusOf(await rawExchange(proxy.httpPort, `GET / HTTP/1.1\r\nHost: ${podName}\r\nHost: evil.example\r\n\r\n`))).toBe(400);
  });

  it("sends a prefix to its own upstream with the prefix stripped and X-Forwarded-Prefix set", async () => {
    const seen = echoed(await rawExchange(proxy.httpPort, get("/blog/post/1?x=2")));
    expect(seen.url).toBe("/post/1?x=2");
    expect(seen.headers["x-forwarded-prefix"]).toBe("/blog");
    expect(blog.seen.at(-1)?.url).toBe("/post/1?x=2");
    expect(echoed(await rawExchange(proxy.httpPort, get("/blog"))).url).toBe("/");
    expect(echoed(await rawExchange(proxy.httpPort, get("/blogger"))).headers["x-forwarded-prefix"]).toBeUndefined();
  });

  it("rewrites Location and cookie paths from a prefixed upstream", async () => {
    const response = await rawExchange(proxy.httpPort, get("/blog/login"));
    expect(statusOf(response)).toBe(302);
    expect(response).toMatch(/\r\nlocation: \/blog\/dashboard\r\n/i);
    expect(response).toMatch(/\r\nset-cookie: sid=1; Path=\/blog; HttpOnly\r\n/i);
    expect(response).toMatch(/\r\nset-cookie: pref=2; Path=\/blog\/settings\r\n/i);
  });

  it("refuses encoded and plain dot segments and encoded slashes that would leave the prefix", async () => {
    const before = pod.seen.length + blog.seen.length;
    for (const path of ["/blog/%2e%2e/admin", "/blog/%2E%2E/admin", "/blog/..%2fadmin", "/blog/../admin", "/blog/.%2e/admin", "/blog/%2e/x", "/blog/..%5cadmin"]) {
      expect(statusOf(await rawExchange(proxy.httpPort, get(path))), path).toBe(400);
    }
    expect(pod.seen.length + blog.seen.length).toBe(before);
    // An encoded slash does not make "/blog%2f.." match the prefix either: it stays with the pod, unchanged.
    const seen = echoed(await rawExchange(proxy.httpPort, get("/blog%2fx")));
    expect(seen.url).toBe("/blog%2fx");
    expect(seen.headers["x-forwarded-prefix"]).toBeUndefined();
  });

  it("redirects an alias to the bare host, keeping path and query", async () => {
    const response = await rawExchange(proxy.httpsPort, get("/a?b=1", `www.${podName}`), { tls: true, servername: `www.${podName}` });
    expect(statusOf(response)).toBe(301);
    expect(response).toMatch(new RegExp(`\\r\\nlocation: https://${podName.replace(/\./g, "\\.")}/a\\?b=1\\r\\n`, "i"));
  });

  it("forwards to a unix socket upstream", async () => {
    const seen = echoed(await rawExchange(proxy.httpPort, get("/s", "sock.example.test")));
    expect(seen.url).toBe("/s");
    expect(socketBackend.seen.length).toBe(1);
  });

  it("swaps routes on reload without restarting the listeners", async () => {
    // A request in flight to an upstream the new routes drop: it is answered, then its connection closes.
    const inFlight = rawExchange(proxy.httpPort, get("/blog/slow"));
    await waitFor("the slow request to reach the blog", () => blog.seen.some((r) => r.url === "/slow"));
    await proxy.reload({ hosts: [{ names: ["new.example.test"], routes: [{ prefix: "", upstream: { host: "127.0.0.1", port: pod.port } }] }], passthrough: [] });
    expect(statusOf(await rawExchange(proxy.httpPort, get("/", podName)))).toBe(421);
    expect(statusOf(await rawExchange(proxy.httpPort, get("/", "new.example.test")))).toBe(200);
    expect(statusOf(await inFlight)).toBe(200);
    const openTo = (backend: Backend) => new Promise<number>((resolve) => backend.server.getConnections((_error, count) => resolve(count)));
    await waitFor("the dropped upstreams' connections to close", async () => (await openTo(blog)) === 0 && (await openTo(socketBackend)) === 0);
  });
});
