import { afterEach, describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { createServer, type Server } from "node:net";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { tempDir, waitFor } from "../helpers/temp";
import { LogBus } from "../../main/log";
import { createPodService, type PodService } from "../../main/pod/index";
import { systemClock } from "../../main/service";
import { settingsSchema } from "../../shared/settings";
import { fixturesDir, freePort, running, standInPod } from "./helpers";

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function customPod(port: number, extraArgs: string[] = [], dataDir?: string): Promise<{ service: PodService; dataDir: string }> {
  const dir = dataDir ?? (await tempDir("podhost-svc-")).path;
  const service = createPodService({ ctx: { dataDir: dir, log: new LogBus().logger("pod"), clock: systemClock }, healthIntervalMs: 200 });
  await service.configure(settingsSchema.parse({ pod: { profile: "custom", command: process.execPath, args: [standInPod, "--port", String(port), ...extraArgs], port, stopTimeoutMs: 2_000 } }));
  cleanups.push(() => service.stop());
  return { service, dataDir: dir };
}

function listen(port: number): Promise<Server> {
  return new Promise((resolve) => {
    const server = createServer().listen(port, "127.0.0.1", () => resolve(server));
    cleanups.push(() => new Promise<void>((done) => server.close(() => done())));
  });
}

describe("pod service (custom profile)", () => {
  it("starts the command, reports each process with pid, uptime and memory, and stops it", async () => {
    const port = await freePort();
    const { service } = await customPod(port);
    expect(service.status().state).toBe("stopped");
    await service.start();
    const status = service.status();
    expect(status.state).toBe("running");
    const [pod] = status.processes;
    expect(pod).toMatchObject({ name: "pod", state: "running", restarts: 0 });
    expect(pod!.pid).toBeGreaterThan(0);
    expect(pod!.startedAt).toBeLessThanOrEqual(Date.now());
    expect(pod!.rssBytes).toBeGreaterThan(1_000_000);
    expect(pod!.logFile).toMatch(/logs\/pod-pod\.log$/);
    // CPU is a share measured between two looks at least a second apart.
    const cpu = await waitFor("a CPU figure", () => service.status().processes[0]!.cpuPercent, 5_000);
    expect(cpu).toBeGreaterThanOrEqual(0);
    await service.stop();
    expect(service.status().state).toBe("stopped");
    expect(running(pod!.pid!)).toBe(false);
  });

  it("names the program holding the pod's port and offers the next free port", async () => {
    const port = await freePort();
    await listen(port);
    const { service } = await customPod(port);
    await service.start();
    const status = service.status();
    expect(status.state).toBe("stopped");
    expect(status.processes).toEqual([]);
    expect(status.portConflict).toMatchObject({ port, holder: { pid: process.pid, program: "node" } });
    expect(status.portConflict!.suggestedPort).toBeGreaterThan(port);
    expect(status.message).toContain(`Port ${port} (pod.port)`);
    // The port is held by this very process, which plays podhost here: podhost's own port is never "another program".
    expect(status.message).toContain(`podhost itself (pid ${process.pid})`);
    expect(status.problems![0]!.fix).toContain(`Set pod.port to ${status.portConflict!.suggestedPort}`);
  });

  it.each(["direct", "shell"])("after podhost is killed with SIGKILL, the next podhost stops the pod processes it left behind as it comes up, before any Start (pod run %s)", async (launch) => {
    const port = await freePort();
    const dataDir = (await tempDir("podhost-svc-")).path;
    const host = spawn(process.execPath, ["--import", "tsx", join(fixturesDir, "podhost-like.ts"), dataDir, String(port), standInPod, launch], { stdio: ["ignore", "pipe", "inherit"] });
    cleanups.push(() => void host.kill("SIGKILL"));
    const firstLine = await new Promise<string>((resolve) => createInterface({ input: host.stdout! }).once("line", resolve));
    const left = JSON.parse(firstLine) as { state: string; pid: number; grandchild: number };
    expect(left.state).toBe("running");
    host.kill("SIGKILL");
    await new Promise((resolve) => host.once("exit", resolve));
    // The pod and its grandchild outlive podhost: they were in their own process group.
    expect(running(left.pid)).toBe(true);
    expect(running(left.grandchild)).toBe(true);
    cleanups.push(() => {
      for (const pid of [left.pid, left.grandchild]) if (running(pid)) process.kill(pid, "SIGKILL");
    });

    const { service } = await customPod(port, [], dataDir);
    // No Start: a status that says "stopped" must be true.
    await waitFor("the pod left behind to be stopped", () => !running(left.pid) && !running(left.grandchild));
    expect(service.status().state).toBe("stopped");
    await service.start();
    // The port was free again, so the new pod runs in its place.
    expect(service.status().state, JSON.stringify(service.status().problems)).toBe("running");
    expect(service.status().processes[0]!.pid).not.toBe(left.pid);
  });

  it("leaves a process alone when its journaled pid now runs another program", async () => {
    const port = await freePort();
    const { service, dataDir } = await customPod(port);
    const stranger = spawn("sleep", ["30"], { detached: true, stdio: "ignore" });
    cleanups.push(() => void stranger.kill("SIGKILL"));
    const { writeFile, mkdir } = await import("node:fs/promises");
    await mkdir(join(dataDir, "pod"), { recursive: true });
    // Journal claims the stranger's pid ran the stand-in pod (a pid reused after a reboot or wrap-around).
    await writeFile(join(dataDir, "pod", "pids.json"), JSON.stringify({ entries: [{ name: "pod", pid: stranger.pid, command: process.execPath, args: [standInPod], startTicks: 1, bootId: "" }] }));
    await service.start();
    expect(service.status().state).toBe("running");
    expect(running(stranger.pid!)).toBe(true);
  });

  it("restart() stops and starts the pod with a new process", async () => {
    const port = await freePort();
    const { service } = await customPod(port);
    await service.start();
    const before = service.status().processes[0]!.pid;
    await service.restart();
    expect(service.status().state).toBe("running");
    expect(service.status().processes[0]!.pid).not.toBe(before);
    expect(running(before!)).toBe(false);
  });

  it("does not launch the pod when Stop comes while the start is still checking the setup", async () => {
    const port = await freePort();
    const { service } = await customPod(port);
    const starting = service.start();
    expect(service.status().state).toBe("starting");
    await service.stop();
    await starting;
    expect(service.status().state).toBe("stopped");
    expect(service.status().processes).toEqual([]);
  });

  it("asks for a restart when the pod's settings change while it runs", async () => {
    const port = await freePort();
    const { service } = await customPod(port);
    await service.start();
    expect(service.status().action).toEqual({ label: "Stop pod", command: "pod.stop" });
    await service.configure(settingsSchema.parse({ pod: { profile: "custom", command: process.execPath, args: [standInPod, "--port", String(port), "--name", "renamed"], port } }));
    expect(service.status()).toMatchObject({ state: "running", action: { label: "Restart pod", command: "pod.restart" } });
    expect(service.status().message).toContain("restart it to apply them");
  });

  it("reports a missing command in plain words before running anything", async () => {
    const dir = await tempDir("podhost-svc-");
    cleanups.push(dir.cleanup);
    const service = createPodService({ ctx: { dataDir: dir.path, log: new LogBus().logger("pod"), clock: systemClock } });
    await service.configure(settingsSchema.parse({ pod: { profile: "custom", command: "/nonexistent/pod-binary", port: await freePort() } }));
    await service.start();
    expect(service.status()).toMatchObject({ state: "stopped", problems: [{ code: "pod-command-missing", field: "pod.command" }] });
    expect(service.status().message).toContain('The pod command "/nonexistent/pod-binary" was not found');
  });

  it("shows crashed with the last lines and what to do after a crash loop", async () => {
    const port = await freePort();
    const { service } = await customPod(port, ["--exit-code", "7"]);
    await service.start();
    const status = service.status();
    expect(status.state).toBe("crashed");
    expect(status.message).toMatch(/crashed 5 times within 5 minutes.*start the pod again/);
    expect(status.action).toEqual({ label: "Start pod", command: "pod.start" });
    expect(status.lastLines!.join("\n")).toContain("exiting at once with code 7");
  });
});
