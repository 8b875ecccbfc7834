import { afterEach, describe, expect, it } from "vitest";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { Host } from "../../main/host";
import { LogBus } from "../../main/log";
import { SettingsManager } from "../../main/store/settings-manager";
import { identityLock } from "../../main/pod";
import { freePort } from "../helpers/ports";
import { tempDir, waitFor } from "../helpers/temp";

const standIn = fileURLToPath(new URL("../fixtures/stand-in-pod/server.mjs", import.meta.url));
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A Host on a temp data dir whose pod is the stand-in, booting slowly, behind the proxy on free ports. */
async function slowPodHost() {
  const dir = await tempDir();
  cleanups.push(dir.cleanup);
  const ports = { pod: await freePort(), https: await freePort(), http: await freePort() };
  const manager = await SettingsManager.open(dir.path, identityLock(dir.path));
  await manager.change({
    "pod.profile": "custom",
    "pod.command": process.execPath,
    "pod.args": [standIn, "--port", String(ports.pod), "--boot-delay", "1500"],
    "pod.port": ports.pod,
    "proxy.httpsPort": ports.https,
    "proxy.httpPort": ports.http,
  });
  const host = await Host.open({ dataDir: dir.path, version: "test", logs: new LogBus() });
  cleanups.push(() => host.close());
  return { host, ports };
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

describe("Host: starting and stopping", () => {
  it("a Stop pressed while the pod is still starting wins: nothing is left running or listening", async () => {
    const { host, ports } = await slowPodHost();
    const starting = host.startPod();
    await waitFor("the pod starting", () => host.snapshot().pod.state === "starting");
    await host.stopPod();
    await starting;
    const snapshot = host.snapshot();
    expect(snapshot.pod.state).toBe("stopped");
    expect(snapshot.proxy.state).toBe("stopped");
    expect(await portFree(ports.https)).toBe(true);
    expect(await portFree(ports.http)).toBe(true);
  });

  it("a Stop pressed right after Start (before the proxy even listens) leaves nothing behind", async () => {
    const { host, ports } = await slowPodHost();
    const starting = host.startPod();
    const stopping = host.stopPod();
    await Promise.all([starting, stopping]);
    expect(host.snapshot().proxy.state).toBe("stopped");
    expect(host.snapshot().pod.state).toBe("stopped");
    expect(await portFree(ports.https)).toBe(true);
  });

  it("starts again cleanly after such a stop", async () => {
    const { host } = await slowPodHost();
    const first = host.startPod();
    await host.stopPod();
    await first;
    await host.startPod();
    expect(host.snapshot().pod.state).toBe("running");
    expect(host.snapshot().proxy.state).toBe("running");
  });
});
