import { afterEach, describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { waitFor } from "../helpers/temp";
import { describeHolder, findPortHolder, isPortFree, nextFreePort, serverProcess } from "../../main/system/port-holder";
import { freePort, standInPod } from "./helpers";

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

describe("port holder lookup", () => {
  it("names the process listening on a port, by pid and program name", async () => {
    const port = await freePort();
    const child = spawn(process.execPath, [standInPod, "--port", String(port)], { stdio: "ignore" });
    cleanups.push(() => child.kill("SIGKILL"));
    await waitFor("the port to be taken", async () => !(await isPortFree(port)));
    const holder = await findPortHolder(port);
    expect(holder).toMatchObject({ pid: child.pid, program: "node" });
    expect(holder!.commandLine).toContain("server.mjs");
    expect(describeHolder(holder)).toBe(`node (pid ${child.pid})`);
  });

  it("names a server's first process, not a worker sharing its socket, whatever their pids (pids wrap around)", () => {
    const worker = { pid: 16_700, ppid: 29_900, program: "apache2", commandLine: "", podhost: false };
    const server = { pid: 29_900, ppid: 1, program: "apache2", commandLine: "", podhost: false };
    expect(serverProcess([worker, server])).toBe(server);
    expect(serverProcess([server, worker])).toBe(server);
  });

  it("finds IPv6 listeners too, and nobody on a free port", async () => {
    const server = createServer().listen(0, "::1");
    await new Promise((resolve) => server.once("listening", resolve));
    cleanups.push(() => server.close());
    const { port } = server.address() as { port: number };
    expect((await findPortHolder(port))?.pid).toBe(process.pid);
    expect(await findPortHolder(await freePort())).toBeUndefined();
    expect(describeHolder(undefined)).toBe("another program");
  });

  it("offers the next free port after a taken one", async () => {
    const server = createServer().listen(0, "127.0.0.1");
    await new Promise((resolve) => server.once("listening", resolve));
    cleanups.push(() => server.close());
    const { port } = server.address() as { port: number };
    expect(await isPortFree(port)).toBe(false);
    const next = await nextFreePort(port);
    expect(next).toBeGreaterThan(port);
    expect(await isPortFree(next!)).toBe(true);
  });
});

describe("a port podhost itself holds", () => {
  it("is described as podhost's own, never as another program, and the fix is another port", async () => {
    const { checkPortFree } = await import("../../main/pod/port-check");
    const server = createServer().listen(0, "127.0.0.1");
    await new Promise((resolve) => server.once("listening", resolve));
    cleanups.push(() => server.close());
    const { port } = server.address() as { port: number };
    const busy = await checkPortFree(port, "pod.port", "the pod", "pod.port");
    expect(busy!.problem.message).toContain(`used by podhost itself (pid ${process.pid})`);
    expect(busy!.problem.message).not.toMatch(/another program|node \(pid/);
    expect(busy!.problem.fix).toMatch(/^Set pod\.port to \d+/);
  });
});
