// Pod supervision benchmarks: crash -> answering again, and Stop -> every process gone.
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { LogBus } from "../main/log";
import { PidJournal } from "../main/pod/pid-journal";
import { groupAlive } from "../main/pod/process-group";
import { httpProbe } from "../main/pod/probes";
import { Supervisor } from "../main/pod/supervisor";
import { systemClock } from "../main/service";
import type { BenchResult } from "./types";
import { freePort } from "../test/helpers/ports";

const standInPod = fileURLToPath(new URL("../test/fixtures/stand-in-pod/server.mjs", import.meta.url));
const ignoringTimeoutMs = 2_000;


async function until(check: () => Promise<boolean> | boolean, pollMs = 5): Promise<void> {
  while (!(await check())) await new Promise((resolve) => setTimeout(resolve, pollMs));
}

async function withSupervisor<T>(stopTimeoutMs: number, body: (supervisor: Supervisor, dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), "podhost-bench-"));
  const log = new LogBus().logger("pod");
  const supervisor = new Supervisor({ clock: systemClock, log, logDir: join(dir, "logs"), logLimits: { maxBytes: 1 << 20, maxFiles: 2 }, journal: new PidJournal(join(dir, "pod"), log), stopTimeoutMs, changed: () => {} });
  try {
    return await body(supervisor, dir);
  } finally {
    await supervisor.stop();
    supervisor.close();
    await rm(dir, { recursive: true, force: true });
  }
}

const spec = (port: number, extra: string[] = []) => ({
  name: "web",
  command: process.execPath,
  args: [standInPod, "--port", String(port), "--spawn-grandchild", ...extra],
  cwd: process.cwd(),
  env: { ...process.env },
  probe: httpProbe(`http://127.0.0.1:${port}/nodeinfo/2.1`, { "x-forwarded-proto": "https" }),
});

/** Yardstick: the stand-in pod's own cold start, spawn to first answer, without podhost. */
async function coldStartMs(): Promise<number> {
  const port = await freePort();
  const began = performance.now();
  const child = spawn(process.execPath, [standInPod, "--port", String(port)], { stdio: "ignore" });
  const probe = httpProbe(`http://127.0.0.1:${port}/nodeinfo/2.1`);
  await until(probe);
  const took = performance.now() - began;
  child.kill("SIGKILL");
  return took;
}

async function crashToAnsweringMs(): Promise<number> {
  const port = await freePort();
  return withSupervisor(2_000, async (supervisor) => {
    await supervisor.start([spec(port)]);
    const pid = supervisor.processStatus()[0]!.pid!;
    const probe = spec(port).probe;
    const began = performance.now();
    process.kill(pid, "SIGKILL"); // the crash
    await until(async () => !(await probe()), 1);
    await until(probe, 5);
    return performance.now() - began;
  });
}

async function stopToGoneMs(extra: string[], stopTimeoutMs: number): Promise<number> {
  const port = await freePort();
  return withSupervisor(stopTimeoutMs, async (supervisor) => {
    await supervisor.start([spec(port, extra)]);
    const pid = supervisor.processStatus()[0]!.pid!;
    const began = performance.now();
    await supervisor.stop();
    await until(() => !groupAlive(pid), 1);
    return performance.now() - began;
  });
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function repeat(times: number, measure: () => Promise<number>): Promise<number> {
  const values: number[] = [];
  for (let i = 0; i < times; i++) values.push(await measure());
  return Math.round(median(values));
}

export async function run(): Promise<BenchResult[]> {
  const cold = await repeat(5, coldStartMs);
  const crash = await repeat(5, crashToAnsweringMs);
  const obeying = await repeat(5, () => stopToGoneMs([], 20_000));
  const ignoring = await repeat(3, () => stopToGoneMs(["--ignore-sigterm"], ignoringTimeoutMs));
  return [
    { name: "pod: crash -> answering again (first crash, stand-in pod)", unit: "ms", value: crash, yardstick: { name: "stand-in cold start without podhost", value: cold }, goal: "<= 1500 ms", met: crash <= 1_500 },
    { name: "pod: Stop -> all processes gone (obeys SIGTERM, with grandchild)", unit: "ms", value: obeying, goal: "<= 1000 ms", met: obeying <= 1_000 },
    { name: `pod: Stop -> all processes gone (ignores SIGTERM, timeout ${ignoringTimeoutMs} ms)`, unit: "ms", value: ignoring, goal: `<= ${ignoringTimeoutMs + 500} ms`, met: ignoring <= ignoringTimeoutMs + 500 },
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const result of await run()) {
    const ratio = result.yardstick ? ` (yardstick ${result.yardstick.name}: ${result.yardstick.value} ${result.unit}, ${(result.value / result.yardstick.value).toFixed(2)}x)` : "";
    console.log(`${result.met ? "met " : "MISS"} ${result.name}: ${result.value} ${result.unit}${ratio}; goal ${result.goal}`);
  }
}
