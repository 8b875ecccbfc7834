import { afterEach, describe, expect, it } from "vitest";
import { join } from "node:path";
import { tempDir, waitFor } from "../helpers/temp";
import { httpProbe } from "../../main/pod/probes";
import type { Supervisor } from "../../main/pod/supervisor";
import { freePort, grandchildPid, running, standInSpec, testSupervisor } from "./helpers";

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup(overrides: Parameters<typeof testSupervisor>[1] = {}) {
  const dir = await tempDir("podhost-pod-");
  const { supervisor, bus } = testSupervisor(dir.path, overrides);
  cleanups.push(dir.cleanup, async () => {
    await supervisor.stop();
    supervisor.close();
  });
  return { dir: dir.path, supervisor, bus };
}

const health = (port: number) => httpProbe(`http://127.0.0.1:${port}/nodeinfo/2.1`, { "x-forwarded-proto": "https" });

function pidOf(supervisor: Supervisor, name = "web"): number | undefined {
  return supervisor.processStatus().find((p) => p.name === name)?.pid;
}

describe("pod supervisor", () => {
  it("reports running only after the health check passes", async () => {
    const { supervisor } = await setup();
    const port = await freePort();
    const began = Date.now();
    const started = supervisor.start([{ ...standInSpec(port, ["--boot-delay", "800"]), probe: health(port) }]);
    await waitFor("the process to be spawned", () => pidOf(supervisor));
    expect(supervisor.state()).toBe("starting");
    expect(await started).toBe("running");
    expect(Date.now() - began).toBeGreaterThanOrEqual(800);
    expect(supervisor.state()).toBe("running");
    expect(await health(port)()).toBe(true);
  });

  it("shows degraded while a started pod fails its health check", async () => {
    const { supervisor } = await setup({ healthIntervalMs: 50 });
    const port = await freePort();
    const flaky = standInSpec(port, ["--unhealthy"]);
    let failing = false;
    const probe = async () => !failing || (await health(port)());
    expect(await supervisor.start([{ ...flaky, probe }])).toBe("running");
    failing = true;
    await waitFor("degraded", () => supervisor.state() === "degraded");
  });

  it("restarts a crashed process, which then answers again", async () => {
    const { dir, supervisor } = await setup();
    const port = await freePort();
    // Crash once (after 300 ms), then run normally: the marker file remembers the first run.
    const marker = join(dir, "crashed-once");
    const script = `if [ -e '${marker}' ]; then exec "$0" "$@"; else touch '${marker}'; exec "$0" "$@" --crash-after 300; fi`;
    const spec = standInSpec(port);
    expect(await supervisor.start([{ ...spec, command: "sh", args: ["-c", script, spec.command, ...spec.args], probe: health(port) }])).toBe("running");
    const firstPid = pidOf(supervisor);
    await waitFor("a restart", () => supervisor.processStatus()[0]!.restarts === 1 && supervisor.state() === "running", 10_000);
    expect(pidOf(supervisor)).not.toBe(firstPid);
    expect(await health(port)()).toBe(true);
  });

  it("stops restarting after 5 crashes and reports crashed with the last log lines", async () => {
    const { supervisor } = await setup();
    const port = await freePort();
    const otherPort = await freePort();
    const outcome = supervisor.start([
      { ...standInSpec(otherPort, [], "redis"), probe: health(otherPort) },
      { ...standInSpec(port, ["--exit-code", "3"]), probe: health(port) },
    ]);
    expect(await outcome).toBe("crashed");
    expect(supervisor.state()).toBe("crashed");
    const report = supervisor.crashReport()!;
    expect(report.name).toBe("web");
    expect(report.crashes).toBe(5);
    expect(report.lastLines.length).toBeGreaterThan(5);
    expect(report.lastLines.length).toBeLessThanOrEqual(50);
    expect(report.lastLines.join("\n")).toContain("exiting at once with code 3");
    // The rest of the pod is stopped too.
    await waitFor("the other process to stop", () => supervisor.processStatus().every((p) => p.pid === undefined));
  });

  it("kills a process that ignores SIGTERM once the stop timeout has passed", async () => {
    const { supervisor } = await setup({ stopTimeoutMs: 1_000 });
    const port = await freePort();
    expect(await supervisor.start([{ ...standInSpec(port, ["--ignore-sigterm"]), probe: health(port) }])).toBe("running");
    const pid = pidOf(supervisor)!;
    const began = Date.now();
    await supervisor.stop();
    const took = Date.now() - began;
    expect(took).toBeGreaterThanOrEqual(1_000);
    expect(took).toBeLessThan(3_000);
    expect(running(pid)).toBe(false);
    expect(supervisor.state()).toBe("stopped");
  });

  it("leaves no grandchild running after stop", async () => {
    const { supervisor, bus } = await setup();
    const port = await freePort();
    expect(await supervisor.start([{ ...standInSpec(port, ["--spawn-grandchild"]), probe: health(port) }])).toBe("running");
    const grandchild = await waitFor("the grandchild's pid in the log", () => grandchildPid(bus));
    expect(running(grandchild)).toBe(true);
    await supervisor.stop();
    expect(running(grandchild)).toBe(false);
  });

  it("kills the grandchildren of a process that crashed before restarting it", async () => {
    const { supervisor, bus } = await setup();
    const port = await freePort();
    expect(await supervisor.start([{ ...standInSpec(port, ["--spawn-grandchild", "--crash-after", "400"]), probe: health(port) }])).toBe("running");
    const grandchild = await waitFor("the grandchild's pid in the log", () => grandchildPid(bus));
    await waitFor("the crash", () => supervisor.processStatus()[0]!.restarts >= 1);
    await waitFor("the orphaned grandchild to be killed", () => !running(grandchild), 2_000);
  });
});
