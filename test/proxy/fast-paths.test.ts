import { mkdir, writeFile } from "node:fs/promises";
import { createServer, type ServerResponse } from "node:http";
import { connect } from "node:net";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { tempDir, waitFor } from "../helpers/temp";
import { podName, rawExchange, startBackend, startTestProxy, statusOf, TestCertificates } from "./fixtures";

const get = (path: string) => `GET ${path} HTTP/1.1\r\nHost: ${podName}\r\nConnection: close\r\n\r\n`;
const bodyOf = (response: string) => response.slice(response.indexOf("\r\n\r\n") + 4);

describe("the proxy's cached and per-connection paths", () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function staticProxy() {
    const dir = await tempDir();
    cleanups.push(() => dir.cleanup());
    const pub = join(dir.path, "public");
    await mkdir(pub);
    const backend = await startBackend();
    cleanups.push(() => backend.close());
    const proxy = await startTestProxy(new TestCertificates([podName]), { routes: [{ prefix: "", upstream: { host: "127.0.0.1", port: backend.port }, staticRoot: pub }] });
    cleanups.push(() => proxy.close());
    return { pub, proxy };
  }

  it("serves a rewritten static file within seconds although answers are cached", async () => {
    const { pub, proxy } = await staticProxy();
    await writeFile(join(pub, "app.js"), "version one");
    expect(bodyOf(await rawExchange(proxy.httpPort, get("/app.js")))).toBe("version one");
    await writeFile(join(pub, "app.js"), "version two, longer");
    await waitFor("the new file", async () => bodyOf(await rawExchange(proxy.httpPort, get("/app.js"))) === "version two, longer", 5000, 100);
  });

  it("streams files too large to keep in memory, whole and with the right length", async () => {
    const { pub, proxy } = await staticProxy();
    const big = "0123456789abcdef".repeat(40 * 1024); // 640 KiB
    await writeFile(join(pub, "big.txt"), big);
    const response = await rawExchange(proxy.httpPort, get("/big.txt"));
    expect(statusOf(response)).toBe(200);
    expect(/content-length: (\d+)/i.exec(response)?.[1]).toBe(String(big.length));
    expect(bodyOf(response)).toBe(big);
  });

  it("stops the upstream answer when the client leaves in the middle of it", async () => {
    let upstreamClosedEarly = false;
    let answering: ServerResponse | undefined;
    const slow = createServer((_req, res) => {
      answering = res;
      res.writeHead(200, { "content-type": "text/plain" });
      res.write("first part\n"); // and the rest never comes
      res.once("close", () => (upstreamClosedEarly = !res.writableFinished));
    });
    await new Promise<void>((resolve) => slow.listen(0, "127.0.0.1", resolve));
    cleanups.push(() => new Promise((resolve) => slow.close(resolve)));
    const port = (slow.address() as { port: number }).port;
    const proxy = await startTestProxy(new TestCertificates([podName]), { routes: [{ prefix: "", upstream: { host: "127.0.0.1", port } }] });
    cleanups.push(() => proxy.close());

    const client = connect(proxy.httpPort, "127.0.0.1", () => client.write(`GET /stream HTTP/1.1\r\nHost: ${podName}\r\n\r\n`));
    await new Promise<void>((resolve) => client.on("data", (chunk: Buffer) => chunk.toString().includes("first part") && resolve()));
    client.destroy();
    await waitFor("the upstream request aborted", () => upstreamClosedEarly);
    expect(answering?.writableFinished).toBe(false);
  });
});
