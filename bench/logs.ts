/**
 * Log files: how long writing log lines (with rotation every 1 MB) holds the event loop that
 * serves the proxy. podhost's RotatingFile (rotating-file-stream, writes off the loop) next to a
 * synchronous appender that writes and renames on the loop, as podhost's own did, in the same
 * run, interleaved. The figure is the time the loop spends inside write() calls for 100,000 lines
 * (what a proxy request waits behind), and the event loop's 99th-percentile delay meanwhile.
 */
import { closeSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { RotatingFile } from "../main/system/rotating-file";
import { redactSecrets } from "../main/pod/redact";
import { tempDir } from "../test/helpers/temp";
import type { BenchResult } from "./types";

const lines = 100_000;
const burst = 500;
const limits = { maxBytes: 1 << 20, maxFiles: 5 };
const line = `${new Date(0).toISOString()} info  [proxy] ${"GET /api/v1/streams/main 200 12ms ".repeat(4)}\n`;

/** The yardstick: every write and every rotation on the loop. */
class SyncAppender {
  private fd: number;
  private size = 0;
  constructor(private readonly path: string) {
    this.fd = openSync(path, "a", 0o600);
  }
  write(text: string): void {
    if (this.size + text.length > limits.maxBytes) {
      closeSync(this.fd);
      rmSync(`${this.path}.${limits.maxFiles - 1}`, { force: true });
      for (let n = limits.maxFiles - 2; n >= 1; n--) renameIfThere(`${this.path}.${n}`, `${this.path}.${n + 1}`);
      renameSync(this.path, `${this.path}.1`);
      this.fd = openSync(this.path, "a", 0o600);
      this.size = 0;
    }
    writeSync(this.fd, text);
    this.size += text.length;
  }
  async close(): Promise<void> {
    closeSync(this.fd);
  }
}

function renameIfThere(from: string, to: string): void {
  try {
    renameSync(from, to);
  } catch {
    // not there yet
  }
}

/** Time (ms) spent inside write() for `lines` lines in bursts, and the loop's p99 delay (ms) meanwhile. */
async function measure(writer: { write(text: string): void; close(): Promise<void> }): Promise<{ held: number; p99: number }> {
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  histogram.enable();
  let held = 0;
  for (let sent = 0; sent < lines; sent += burst) {
    const start = performance.now();
    for (let i = 0; i < burst; i++) writer.write(line);
    held += performance.now() - start;
    await new Promise((resolve) => setImmediate(resolve));
  }
  await writer.close();
  histogram.disable();
  return { held, p99: histogram.percentile(99) / 1e6 };
}

export async function run(): Promise<BenchResult[]> {
  const dir = await tempDir("podhost-bench-logs-");
  try {
    const ours: Array<{ held: number; p99: number }> = [];
    const sync: Array<{ held: number; p99: number }> = [];
    for (let round = 0; round < 3; round++) {
      ours.push(await measure(new RotatingFile(join(dir.path, `ours-${round}.log`), limits)));
      sync.push(await measure(new SyncAppender(join(dir.path, `sync-${round}.log`))));
    }
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[1]!;
    const result = (name: string, unit: string, pick: (m: { held: number; p99: number }) => number, goal: number): BenchResult => {
      const value = median(ours.map(pick));
      const yardstick = median(sync.map(pick));
      return { name, unit, value, yardstick: { name: "synchronous appender", value: yardstick }, goal: `<= ${goal}x the synchronous appender`, met: value <= yardstick * goal };
    };
    return [
      result("event loop held by write() for 100,000 lines with rotation", "ms", (m) => m.held, 0.5),
      result("event loop p99 delay meanwhile", "ms", (m) => m.p99, 1),
      redactionOfLongLines(),
    ];
  } finally {
    await dir.cleanup();
  }
}

/**
 * Every line of pod output is redacted on the daemon's event loop: a 20,000-character line
 * without spaces (a minified asset, base64) must cost about what an ordinary line of that length
 * does, not quadratic time.
 */
function redactionOfLongLines(): BenchResult {
  const time = (line: string) => {
    const runs: number[] = [];
    for (let round = 0; round < 5; round++) {
      const start = performance.now();
      for (let i = 0; i < 20; i++) redactSecrets(line);
      runs.push((performance.now() - start) / 20);
    }
    return runs.sort((a, b) => a - b)[2]!;
  };
  const worst = time("a".repeat(20_000));
  const ordinary = time("GET /a 200 ".repeat(2_000).slice(0, 20_000));
  return { name: "redacting one 20,000-character pod output line without spaces", unit: "ms", value: worst, yardstick: { name: "an ordinary line of that length", value: ordinary }, goal: "<= 3x an ordinary line", met: worst <= ordinary * 3 };
}
