import { spawn } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { waitFor } from "../helpers/temp";
import { requireTool } from "../helpers/tools";
import { LogBus } from "../../main/log";
import { PidJournal } from "../../main/pod/pid-journal";
import { readStat } from "../../main/pod/proc";
import { redisPing } from "../../main/pod/redis-ping";
import { Supervisor, type SupervisorOptions } from "../../main/pod/supervisor";
import { systemClock } from "../../main/service";
import { freePort } from "../helpers/ports";
export { freePort } from "../helpers/ports";

export const standInPod = fileURLToPath(new URL("../fixtures/stand-in-pod/server.mjs", import.meta.url));
export const fixturesDir = fileURLToPath(new URL("./fixtures/", import.meta.url));


/** Alive and not a zombie. */
export function running(pid: number): boolean {
  const stat = readStat(pid);
  return stat !== undefined && stat.state !== "Z" && stat.state !== "X";
}

export function testSupervisor(dataDir: string, overrides: Partial<SupervisorOptions> = {}) {
  const bus = new LogBus();
  const log = bus.logger("pod");
  const supervisor = new Supervisor({
    clock: systemClock,
    log,
    logDir: join(dataDir, "logs"),
    logLimits: { maxBytes: 1024 * 1024, maxFiles: 5 },
    journal: new PidJournal(join(dataDir, "pod"), log),
    stopTimeoutMs: 5_000,
    changed: () => {},
    ...overrides,
  });
  return { supervisor, bus };
}

export function standInSpec(port: number, extraArgs: string[] = [], name = "web") {
  return { name, command: process.execPath, args: [standInPod, "--port", String(port), ...extraArgs], cwd: process.cwd(), env: { ...process.env } };
}

/** The grandchild pid the stand-in pod logs with --spawn-grandchild. */
export function grandchildPid(bus: LogBus): number | undefined {
  for (const line of bus.tail(500)) {
    const match = /grandchild pid (\d+)/.exec(line.text);
    if (match) return Number(match[1]);
  }
  return undefined;
}

/** A real redis-server on a free loopback port (no persistence); `stop` kills it. */
export async function startRedis(options: { password?: string } = {}): Promise<{ port: number; url: string; stop: () => Promise<void> }> {
  const redisServer = requireTool("redis-server");
  const port = await freePort();
  const args = ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", ...(options.password ? ["--requirepass", options.password] : [])];
  const child = spawn(redisServer, args, { stdio: "ignore" });
  await waitFor("redis-server to answer", async () => (await redisPing({ host: "127.0.0.1", port, ...(options.password ? { password: options.password } : {}) })).ok);
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    stop: () => new Promise<void>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : (child.once("exit", () => resolve()), child.kill("SIGKILL")))),
  };
}
