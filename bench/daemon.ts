// Daemon cold start to "UI answers" (median of 10) and idle RSS after 30 s, next to a bare
// Node HTTP server measured the same way in the same run (the floor any Node daemon pays).
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { BenchResult } from "./types";

const cli = fileURLToPath(new URL("../bin/podhost.js", import.meta.url));
const bareServer = `require("node:http").createServer((q, s) => s.end("ok")).listen(0, "127.0.0.1", function () { console.log("podhost UI: http://127.0.0.1:" + this.address().port + "/#token=x"); });`;

interface Started {
  ms: number;
  pid: number;
  stop: () => Promise<void>;
}

/** Spawn, wait for the printed URL, then for the first HTTP answer: that is "UI answers". */
async function startAndTime(args: string[]): Promise<Started> {
  const began = performance.now();
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "inherit"] });
  const url = await new Promise<string>((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const match = /podhost UI: (http:\/\/\S+?)#/.exec(out);
      if (match) resolve(match[1]!);
    });
    child.once("exit", (code) => reject(new Error(`exited with ${code}: ${out}`)));
  });
  const response = await fetch(url);
  await response.arrayBuffer();
  const ms = performance.now() - began;
  return {
    ms,
    pid: child.pid!,
    stop: () =>
      new Promise((resolve) => {
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** Resident memory in MB (10^6 bytes, as the goal is stated). */
function rssMB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return (Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024) / 1e6;
}

export async function run({ idleSeconds = 30 } = {}): Promise<BenchResult[]> {
  const podhostTimes: number[] = [];
  const bareTimes: number[] = [];
  for (let i = 0; i < 10; i++) {
    const dataDir = await mkdtemp(join(tmpdir(), "podhost-bench-"));
    const podhost = await startAndTime([cli, "--data-dir", dataDir, "serve", "--ui-port", "0"]);
    podhostTimes.push(podhost.ms);
    await podhost.stop();
    await rm(dataDir, { recursive: true, force: true });
    const bare = await startAndTime(["-e", bareServer]);
    bareTimes.push(bare.ms);
    await bare.stop();
  }

  const dataDir = await mkdtemp(join(tmpdir(), "podhost-bench-"));
  const idle = await startAndTime([cli, "--data-dir", dataDir, "serve", "--ui-port", "0"]);
  const bareIdle = await startAndTime(["-e", bareServer]);
  await new Promise((resolve) => setTimeout(resolve, idleSeconds * 1000));
  const idleRss = rssMB(idle.pid);
  const bareRss = rssMB(bareIdle.pid);
  await idle.stop();
  await bareIdle.stop();
  await rm(dataDir, { recursive: true, force: true });

  const start = median(podhostTimes);
  return [
    { name: "daemon cold start to UI answers (median of 10)", unit: "ms", value: start, yardstick: { name: "bare node http server", value: median(bareTimes) }, goal: "<= 500 ms", met: start <= 500 },
    { name: `daemon idle RSS after ${idleSeconds} s`, unit: "MB", value: idleRss, yardstick: { name: "bare node http server", value: bareRss }, goal: "<= 60 MB", met: idleRss <= 60 },
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { printResults } = await import("./report");
  printResults("daemon", await run());
}
