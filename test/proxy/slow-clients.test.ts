import { execFileSync, spawnSync } from "node:child_process";
import { chownSync, existsSync, mkdirSync, rmSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "../helpers/temp";
import { httpGet, openFds, podName, rawExchange, spoolFiles, startBackend, startTestProxy, statusOf, TestCertificates, type Backend } from "./fixtures";

/** Hostile clients come from other loopback addresses than the visitor (127.0.0.1). */
const hostileAddress = (i: number) => `127.0.0.${2 + (i % 8)}`;
const upload = (bytes: number) => `POST /upload HTTP/1.1\r\nHost: ${podName}\r\nContent-Length: ${bytes}\r\n\r\n`;

/** A connection from `localAddress` that writes `head` (and `body`, shared, not copied) and then does what `then` says; destroyed by the test. */
function open(port: number, localAddress: string, head: string, then?: (socket: Socket) => void, body?: Buffer): Socket {
  const socket = connect({ port, host: "127.0.0.1", localAddress });
  socket.on("error", () => undefined);
  socket.on("connect", () => {
    socket.write(head);
    if (body) socket.write(body);
    then?.(socket);
  });
  return socket;
}

/** Send one byte every `everyMs` for as long as the socket is open. */
function drip(socket: Socket, everyMs: number): void {
  const timer = setInterval(() => (socket.writable ? socket.write("a") : clearInterval(timer)), everyMs);
  socket.on("close", () => clearInterval(timer));
}

describe("slow clients can't take the pod away", () => {
  let backend: Backend;
  let proxy: Awaited<ReturnType<typeof startTestProxy>>;
  const sockets: Socket[] = [];
  const held: (() => void)[] = [];
  beforeAll(async () => {
    backend = await startBackend(0, (req) => {
      if (req.url?.startsWith("/big")) return { bodyBytes: Number(new URL(req.url, "http://x").searchParams.get("mib") ?? 1) * 1024 * 1024 };
      if (req.url === "/hold") return { until: new Promise<void>((resolve) => held.push(resolve)) };
      return undefined;
    });
    proxy = await startTestProxy(new TestCertificates([podName]), { routes: [{ prefix: "", upstream: { host: "127.0.0.1", port: backend.port } }] }, {
      limits: { requestTimeoutMs: 8000, upstreamHeadersTimeoutMs: 3000 },
    });
  });
  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    for (const release of held) release();
    await proxy.close();
    await backend.close();
  });
  /** The hostile connections gone; the visitor's one keep-alive connection may stay. */
  const cleanUp = async () => {
    for (const socket of sockets.splice(0)) socket.destroy();
    await waitFor("the hostile connections to close", () => proxy.stats().openConnections <= 1);
  };

  it("gives 64 uploads that trickle in no upstream connection: a visitor is answered at once, the pod sees no upload", async () => {
    const before = backend.seen.length;
    for (let i = 0; i < 64; i++) sockets.push(open(proxy.httpPort, hostileAddress(i), `${upload(100)}a`, (s) => drip(s, 500)));
    await waitFor("the uploads to arrive", () => proxy.stats().openConnections >= 64);
    expect((await httpGet(proxy.httpPort, "/visitor")).status).toBe(200);
    expect(backend.seen.slice(before).map((r) => r.url)).toEqual(["/visitor"]);
    await cleanUp();
  });

  it("answers a client too slow with its body 408, never 504 (which would blame the pod)", async () => {
    const slow = await startTestProxy(new TestCertificates([podName]), { routes: [{ prefix: "", upstream: { host: "127.0.0.1", port: backend.port } }] }, {
      limits: { requestTimeoutMs: 800, upstreamHeadersTimeoutMs: 200 },
    });
    try {
      const answer = await new Promise<string>((resolve) => {
        let text = "";
        const socket = open(slow.httpPort, "127.0.0.2", upload(100), (s) => drip(s, 50));
        socket.on("data", (chunk: Buffer) => (text += chunk.toString()));
        socket.on("close", () => resolve(text));
      });
      expect(statusOf(answer)).toBe(408);
    } finally {
      await slow.close();
    }
  });

  it("keeps a large upload in an unnamed 0600 file while it arrives, and closes the file when the client leaves", async () => {
    const socket = open(proxy.httpPort, "127.0.0.2", `${upload(1024 * 1024)}${"u".repeat(256 * 1024)}`);
    sockets.push(socket);
    const files = await waitFor("the upload to spill to a file", () => (spoolFiles().length > 0 ? spoolFiles() : undefined));
    expect(files.map((f) => f.mode)).toEqual([0o600]);
    socket.destroy();
    await waitFor("the spool file to be closed", () => spoolFiles().length === 0);
    await cleanUp();
  });

  it("frees the pool while 8 clients don't read a 16 MiB answer, and cuts them off after the send timeout", async () => {
    const small = await startTestProxy(new TestCertificates([podName]), { routes: [{ prefix: "", upstream: { host: "127.0.0.1", port: backend.port } }] }, {
      limits: { upstreamConnections: 8, upstreamHeadersTimeoutMs: 3000, sendTimeoutMs: 1500 },
    });
    try {
      const readers: Socket[] = [];
      for (let i = 0; i < 8; i++) readers.push(open(small.httpPort, hostileAddress(i), `GET /big?mib=16 HTTP/1.1\r\nHost: ${podName}\r\n\r\n`, (s) => s.pause()));
      const before = backend.seen.length;
      await waitFor("the big answers to be asked for", () => backend.seen.filter((r) => r.url === "/big?mib=16").length >= 8);
      expect((await httpGet(small.httpPort, "/visitor")).status).toBe(200);
      expect(backend.seen.length).toBeGreaterThan(before);
      await waitFor("the readers to be cut off", () => small.stats().openConnections <= 1, 10_000);
      await waitFor("the spooled answers to be let go", () => spoolFiles().length === 0);
      for (const reader of readers) reader.destroy();
    } finally {
      await small.close();
    }
  });

  it("keeps a quarter of the pool free for other addresses: another visitor is served while one address waits", async () => {
    const small = await startTestProxy(new TestCertificates([podName]), { routes: [{ prefix: "", upstream: { host: "127.0.0.1", port: backend.port } }] }, {
      limits: { upstreamConnections: 8, upstreamHeadersTimeoutMs: 10_000 },
    });
    try {
      const heldBefore = held.length;
      for (let i = 0; i < 8; i++) sockets.push(open(small.httpPort, "127.0.0.2", `GET /hold HTTP/1.1\r\nHost: ${podName}\r\n\r\n`));
      // A pool of 8: that address may take 6, leaving 2 (a quarter) for others; its other requests wait.
      await waitFor("the pod to hold that address's requests", () => held.length - heldBefore >= 6);
      expect((await httpGet(small.httpPort, "/visitor")).status).toBe(200);
      expect(held.length - heldBefore).toBe(6);
      for (const release of held.splice(heldBefore)) release();
      await waitFor("the waiting requests to be served in turn", () => {
        for (const release of held.splice(heldBefore)) release();
        return backend.seen.filter((r) => r.url === "/hold").length >= 8;
      });
    } finally {
      for (const socket of sockets.splice(0)) socket.destroy();
      await small.close();
    }
  });

  it("leaves a visitor's p99 under 1 s while 200 hostile connections from other addresses trickle, stall and don't read", async () => {
    for (let i = 0; i < 200; i++) {
      const from = hostileAddress(i);
      if (i % 5 < 3) sockets.push(open(proxy.httpPort, from, `${upload(4096)}a`, (s) => drip(s, 1000))); // uploads at a byte a second
      else if (i % 5 === 3) sockets.push(open(proxy.httpPort, from, `GET /big?mib=2 HTTP/1.1\r\nHost: ${podName}\r\n\r\n`, (s) => s.pause())); // never read the answer
      else sockets.push(open(proxy.httpPort, from, `GET / HTTP/1.1\r\nHost: ${podName}\r\n`, (s) => drip(s, 1000))); // a head that never ends
    }
    await waitFor("the hostile connections to be open", () => proxy.stats().openConnections >= 200);
    const latencies: number[] = [];
    for (let i = 0; i < 100; i++) {
      const started = performance.now();
      const answer = await httpGet(proxy.httpPort, `/visitor/${i}`);
      latencies.push(performance.now() - started);
      expect(answer.status).toBe(200);
    }
    latencies.sort((a, b) => a - b);
    expect(latencies[98]).toBeLessThan(1000);
    await cleanUp();
  });

  it("keeps memory bounded with 1,000 uploads arriving at once: bodies spill to disk", async () => {
    const fdsBefore = openFds();
    const rssBefore = process.memoryUsage().rss;
    const partial = Buffer.alloc(256 * 1024, "m");
    for (let i = 0; i < 1000; i++) sockets.push(open(proxy.httpPort, hostileAddress(i), upload(1024 * 1024), undefined, partial));
    // Each upload holds a spool file once past 16 KiB: the proxy has read them all.
    // Looked for every quarter second: each look reads thousands of descriptors, in the proxy's own process.
    await waitFor("every upload to reach its spool file", () => spoolFiles().length >= 1000, 30_000, 250);
    const grown = process.memoryUsage().rss - rssBefore;
    console.log(`RSS grew ${(grown / 1048576).toFixed(1)} MiB with 1,000 uploads of 256 KiB each held`);
    // Held in memory they would be 250 MiB; the spools keep 16 KiB each.
    expect(grown).toBeLessThan(100 * 1024 * 1024);
    await cleanUp();
    await waitFor("spool files and descriptors to return to their level", () => spoolFiles().length === 0 && openFds() <= fdsBefore + 8, 10_000, 250);
  });

  /** A spool folder named as one of a proxy process that has exited (a crash) would be. */
  const leftFolder = (suffix: string) => {
    const gone = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" }).stdout;
    return join(tmpdir(), `podhost-proxy-${gone}-${suffix}`);
  };
  /** Another proxy starting (as podhost's next run would), checked to serve, then closed. */
  const startAndServe = async (meanwhile: () => void = () => {}) => {
    const next = await startTestProxy(new TestCertificates([podName]), { routes: [{ prefix: "", upstream: { host: "127.0.0.1", port: backend.port } }] });
    try {
      meanwhile();
      expect((await httpGet(next.httpPort, "/visitor")).status).toBe(200);
    } finally {
      await next.close();
    }
  };

  it("removes the spool folder a crashed podhost left behind when it starts again", async () => {
    const left = leftFolder("left");
    mkdirSync(left, { mode: 0o700 });
    try {
      await startAndServe(() => expect(existsSync(left)).toBe(false));
    } finally {
      rmSync(left, { recursive: true, force: true });
    }
  });

  it("leaves another user's folder of that name alone", async () => {
    // Another user's podhost (or anyone imitating the name) in the shared temporary folder: this
    // proxy runs as root, which could remove it, so ownership is what must stop it.
    const theirs = leftFolder("theirs");
    mkdirSync(join(theirs, "inside"), { recursive: true, mode: 0o700 });
    chownSync(theirs, 65534, 65534);
    try {
      await startAndServe(() => expect(existsSync(join(theirs, "inside"))).toBe(true));
    } finally {
      rmSync(theirs, { recursive: true, force: true });
    }
  });

  it("starts even when a folder a crashed podhost left can't be removed", async () => {
    // A file system mounted inside it (EBUSY): the start must not depend on cleaning up.
    const stuck = leftFolder("stuck");
    mkdirSync(join(stuck, "mounted"), { recursive: true, mode: 0o700 });
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=1m", "tmpfs", join(stuck, "mounted")]);
    try {
      await startAndServe();
    } finally {
      execFileSync("umount", [join(stuck, "mounted")]);
      rmSync(stuck, { recursive: true, force: true });
    }
  });

  it("still forwards an ordinary upload whole, with its length", async () => {
    const body = "p".repeat(300 * 1024);
    const response = await rawExchange(proxy.httpPort, `${upload(body.length).replace("\r\n\r\n", "\r\nConnection: close\r\n\r\n")}${body}`);
    expect(statusOf(response)).toBe(200);
    const seen = backend.seen.at(-1)!;
    expect(seen.body.length).toBe(body.length);
    expect(seen.headers["content-length"]).toBe(String(body.length));
  });
});
