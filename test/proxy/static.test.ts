import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tempDir } from "../helpers/temp";
import { podName, rawExchange, startBackend, startTestProxy, statusOf, TestCertificates, type Backend } from "./fixtures";

const get = (path: string, extra = "") => `GET ${path} HTTP/1.1\r\nHost: ${podName}\r\n${extra}Connection: close\r\n\r\n`;
const header = (response: string, name: string) => new RegExp(`\\r\\n${name}: ([^\\r]*)\\r\\n`, "i").exec(response)?.[1];
const bodyOf = (response: string) => response.slice(response.indexOf("\r\n\r\n") + 4);

describe("static files from the pod's public/ folder", () => {
  let backend: Backend;
  let proxy: Awaited<ReturnType<typeof startTestProxy>>;
  let dir: Awaited<ReturnType<typeof tempDir>>;
  const css = "body{color:red}".repeat(20);
  beforeAll(async () => {
    dir = await tempDir();
    const pub = join(dir.path, "public");
    await mkdir(join(pub, "assets"), { recursive: true });
    await writeFile(join(pub, "robots.txt"), "User-agent: *\n");
    await writeFile(join(pub, "assets", "app-abc123.css"), css);
    await writeFile(join(pub, "assets", "app-abc123.css.gz"), gzipSync(css));
    await writeFile(join(pub, ".env"), "SECRET=1");
    await writeFile(join(dir.path, "outside.txt"), "outside the root");
    backend = await startBackend();
    proxy = await startTestProxy(new TestCertificates([podName]), { routes: [{ prefix: "", upstream: { host: "127.0.0.1", port: backend.port }, staticRoot: pub }] });
  });
  afterAll(async () => {
    await proxy.close();
    await backend.close();
    await dir.cleanup();
  });

  it("serves a file that exists without asking the app", async () => {
    const before = backend.seen.length;
    const response = await rawExchange(proxy.httpPort, get("/robots.txt"));
    expect(statusOf(response)).toBe(200);
    expect(header(response, "content-type")).toBe("text/plain; charset=utf-8");
    expect(bodyOf(response)).toBe("User-agent: *\n");
    expect(backend.seen.length).toBe(before);
  });

  it("sends everything else to the app (try_files)", async () => {
    const response = await rawExchange(proxy.httpPort, get("/people/alice"));
    expect(statusOf(response)).toBe(200);
    expect(backend.seen.at(-1)?.url).toBe("/people/alice");
  });

  it("gives /assets/ a year-long immutable cache", async () => {
    expect(header(await rawExchange(proxy.httpPort, get("/assets/app-abc123.css")), "cache-control")).toBe("public, max-age=31536000, immutable");
    expect(header(await rawExchange(proxy.httpPort, get("/robots.txt")), "cache-control")).toBeUndefined();
  });

  it("answers 304 to a matching If-None-Match or If-Modified-Since", async () => {
    const first = await rawExchange(proxy.httpPort, get("/robots.txt"));
    const etag = header(first, "etag")!;
    const lastModified = header(first, "last-modified")!;
    expect(statusOf(await rawExchange(proxy.httpPort, get("/robots.txt", `If-None-Match: ${etag}\r\n`)))).toBe(304);
    expect(statusOf(await rawExchange(proxy.httpPort, get("/robots.txt", `If-Modified-Since: ${lastModified}\r\n`)))).toBe(304);
    expect(statusOf(await rawExchange(proxy.httpPort, get("/robots.txt", `If-None-Match: "other"\r\n`)))).toBe(200);
  });

  it("serves a byte range", async () => {
    const response = await rawExchange(proxy.httpPort, get("/robots.txt", "Range: bytes=0-9\r\n"));
    expect(statusOf(response)).toBe(206);
    expect(header(response, "content-range")).toBe("bytes 0-9/14");
    expect(bodyOf(response)).toBe("User-agent");
    expect(statusOf(await rawExchange(proxy.httpPort, get("/robots.txt", "Range: bytes=100-\r\n")))).toBe(416);
  });

  it("serves the precompressed .gz twin to gzip clients only", async () => {
    const gz = await rawExchange(proxy.httpPort, get("/assets/app-abc123.css", "Accept-Encoding: br, gzip\r\n"));
    expect(header(gz, "content-encoding")).toBe("gzip");
    expect(header(gz, "vary")).toBe("Accept-Encoding");
    expect(Number(header(gz, "content-length"))).toBe(gzipSync(css).length);
    const plain = await rawExchange(proxy.httpPort, get("/assets/app-abc123.css"));
    expect(header(plain, "content-encoding")).toBeUndefined();
    expect(bodyOf(plain)).toBe(css);
  });

  it("never serves dot files or anything outside the root, however encoded", async () => {
    for (const path of ["/.env", "/%2eenv", "/..%2foutside.txt", "/%2e%2e/outside.txt", "/assets%2f..%2f..%2foutside.txt", "/assets/%2e%2e%2f%2e%2e%2foutside.txt"]) {
      const response = await rawExchange(proxy.httpPort, get(path));
      expect(response, path).not.toContain("SECRET=1");
      expect(response, path).not.toContain("outside the root");
    }
  });
});
