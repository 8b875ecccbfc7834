import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, type Socket } from "node:net";
import { readFileSync } from "node:fs";
import type { StreamEvent } from "../../shared/events";
import { servePodhost, type ServedPodhost } from "../helpers/podhost";
import { freePort } from "../helpers/ports";
import { tempDir, waitFor } from "../helpers/temp";
import { api, openStream, setting, statusAt } from "./event-client";

const floodLines = 10_000;
const lineBytes = 2_000;
const stalledClients = 8;
/**
 * V8 grows its heap lazily, so the daemon runs held to a 48 MiB heap: then its resident size says
 * what it needs, not how lazy the collector was. It needs its two bounded buffers (the event
 * log's 4 MiB, the Logs page's last 2,000 lines) and room to work. A daemon that queued the
 * stream for each stalled client needs 8 x 20 MB more than that (before this design, it ran out
 * of heap and died); this one grew by about 50 MiB (peak resident size) when measured.
 */
const heapCap = "--max-old-space-size=48";
const growthBoundBytes = 100 << 20;

let served: ServedPodhost;
let dir: { path: string; cleanup: () => Promise<void> };

/** A pod that prints 10,000 long lines at once, then answers its health check. */
function floodingPod(port: number): string {
  return `const pad = "abc ".repeat(${lineBytes / 4}); for (let i = 0; i < ${floodLines}; i++) console.log("flood " + i + " " + pad); require("node:http").createServer((q, s) => s.end("ok")).listen(${port}, "127.0.0.1");`;
}

/** VmRSS and VmHWM (the peak) of a process, in bytes, from /proc. */
function memoryOf(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kib = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(status)?.[1]) * 1024;
  return { rss: kib("VmRSS"), peak: kib("VmHWM") };
}

/**
 * A client that asks for the stream and then stops reading: its socket fills, and the daemon must
 * not queue for it. (While paused it can't see being cut either: `closed` settles once it reads again.)
 */
function stalledClient(since: number): Promise<{ socket: Socket; closed: Promise<void>; received: () => string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(Number(new URL(served.origin).port), "127.0.0.1", () => {
      socket.write(`GET /api/events?since=${since} HTTP/1.1\r\nHost: ${new URL(served.origin).host}\r\nAuthorization: Bearer ${served.token}\r\nAccept: text/event-stream\r\n\r\n`);
      socket.pause();
      resolve({ socket, closed, received: () => text });
    });
    let text = "";
    socket.on("data", (chunk: Buffer) => (text += chunk.toString("utf8")));
    const closed = new Promise<void>((done) => socket.on("close", () => done()));
    socket.on("error", () => undefined);
    socket.once("error", reject);
  });
}

beforeAll(async () => {
  dir = await tempDir();
  served = await servePodhost(dir.path, { NODE_OPTIONS: heapCap });
  const podPort = await freePort();
  const changes = {
    domain: "flood.example.org",
    "pod.profile": "custom",
    "pod.command": process.execPath,
    "pod.args": ["-e", floodingPod(podPort)],
    "pod.port": podPort,
    "proxy.httpsPort": await freePort(),
    "proxy.httpPort": await freePort(),
  };
  expect((await setting(served, changes)).status).toBe(200);
});
afterAll(async () => {
  await api(served, "/api/pod.stop", {}).catch(() => undefined);
  await served?.stop();
  await dir?.cleanup();
});

describe("10,000 log lines while clients stall", () => {
  it("keeps the daemon's memory bounded, cuts the stalled clients, and a reading client gets every line", async () => {
    const start = await statusAt(served);
    const reader = await openStream(served, `?since=${start.lastEventId}&types=log`);
    const stalled = await Promise.all(Array.from({ length: stalledClients }, () => stalledClient(start.lastEventId)));
    const before = memoryOf(served.child.pid!);

    expect((await api(served, "/api/pod.start", {})).status).toBe(200);
    const floodLine = (event: StreamEvent) => event.type === "log" && event.data.text.startsWith("flood ");
    await waitFor("every flood line at the reading client", () => reader.events.filter(floodLine).length === floodLines, 60_000);
    const after = memoryOf(served.child.pid!);
    reader.cut();
    // The stalled clients fell behind what the daemon keeps, so it cut them: reading again, they find the end.
    for (const client of stalled) client.socket.resume();
    await Promise.all(stalled.map((client) => client.closed));

    const lines = reader.events.filter(floodLine).map((event) => (event.type === "log" ? Number(event.data.text.split(" ")[1]) : -1));
    expect(lines).toEqual(Array.from({ length: floodLines }, (_, i) => i));
    expect(after.peak - before.rss, `the daemon grew from ${before.rss >> 20} MiB to a peak of ${after.peak >> 20} MiB`).toBeLessThan(growthBoundBytes);

    // A stalled client that comes back is told it fell behind, and how to go on.
    const lastSeen = Math.max(start.lastEventId, ...[...stalled[0]!.received().matchAll(/^id: (\d+)$/gm)].map((match) => Number(match[1])));
    const back = await api<StreamEvent[]>(served, `/api/events?since=${lastSeen}&timeout=0`);
    expect(back.json.map((event) => event.type)).toEqual(["behind"]);
  });
});
