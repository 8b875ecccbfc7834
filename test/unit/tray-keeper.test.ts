import { afterEach, beforeEach, describe, expect, it, onTestFinished } from "vitest";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { ControlClient } from "../../main/cli/client";
import { findRunningDaemon } from "../../main/daemon/discovery";
import { DaemonKeeper } from "../../main/electron/daemon-keeper";
import { dataPaths } from "../../main/store/paths";
import { servePodhost } from "../helpers/podhost";
import { tempDir, waitFor } from "../helpers/temp";
import { alive, daemonLog, spawnDaemon, standInPod, startPod } from "./tray-helpers";

let dir: { path: string; cleanup: () => Promise<void> };
/** Daemons a test left running on purpose, stopped (by pid) afterwards. */
const leftRunning: number[] = [];

beforeEach(async () => {
  dir = await tempDir();
});
afterEach(async () => {
  for (const pid of leftRunning.splice(0)) {
    process.kill(pid, "SIGTERM");
    await waitFor(`daemon ${pid} to stop`, () => !alive(pid), 30_000);
  }
  await dir.cleanup();
});

const keeperFor = () => new DaemonKeeper({ dataDir: dir.path, spawnDaemon: spawnDaemon(dir.path) });

describe("the tray's daemon keeper, with real daemons", () => {
  it("attaches to a running `podhost serve` instead of starting a second daemon", async () => {
    const served = await servePodhost(dir.path);
    try {
      const keeper = keeperFor();
      const uiUrl = await keeper.connect();
      expect(keeper.ownership).toBe("attached");
      expect(keeper.pid).toBe(served.child.pid);
      expect(uiUrl).toBe(served.uiUrl);
      // Quitting a tray attached to a service stops the pod, never the service.
      expect(await keeper.quit(false)).toBe("pod-stopped");
      expect(alive(served.child.pid!)).toBe(true);
    } finally {
      await served.stop();
    }
  });

  it("starts a daemon when none runs, and Quit stops the pod in order before the daemon exits", async () => {
    const keeper = keeperFor();
    await keeper.connect();
    expect(keeper.ownership).toBe("owned");
    const daemonPid = keeper.pid!;
    await keeper.client.call("settings.set", { changes: await standInPod() });
    const podPid = await startPod(keeper.client);

    expect(await keeper.quit(false)).toBe("stopped");
    expect(alive(podPid)).toBe(false);
    expect(alive(daemonPid)).toBe(false);
    const log = await daemonLog(dir.path);
    expect(log.indexOf("Stopping the pod.")).toBeGreaterThan(log.indexOf("the tray app asked"));
    expect(await findRunningDaemon(dataPaths(dir.path))).toBeUndefined();
  });

  it("when the tray process dies (a crash), its daemon notices and stops the pod in order", async () => {
    // A real parent process that starts the daemon as the tray does, then is killed outright.
    const keeperModule = fileURLToPath(new URL("../../main/electron/daemon-keeper.ts", import.meta.url));
    const helpers = fileURLToPath(new URL("./tray-helpers.ts", import.meta.url));
    const tray = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", `
      import { DaemonKeeper } from ${JSON.stringify(keeperModule)};
      import { spawnDaemon } from ${JSON.stringify(helpers)};
      const keeper = new DaemonKeeper({ dataDir: ${JSON.stringify(dir.path)}, spawnDaemon: spawnDaemon(${JSON.stringify(dir.path)}) });
      await keeper.connect();
      console.log("connected " + keeper.pid);
      setInterval(() => {}, 60_000);
    `], { stdio: ["ignore", "pipe", "inherit"] });
    onTestFinished(() => void tray.kill("SIGKILL"));
    let output = "";
    tray.stdout.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
    const daemonPid = Number((await waitFor("the tray stand-in to start its daemon", () => /connected (\d+)/.exec(output) ?? undefined, 30_000))[1]);
    const client = new ControlClient(dir.path);
    await client.call("settings.set", { changes: await standInPod() });
    const podPid = await startPod(client);

    tray.kill("SIGKILL");
    await waitFor("the daemon to stop by itself", () => !alive(daemonPid), 30_000);
    expect(alive(podPid)).toBe(false);
    expect(await daemonLog(dir.path)).toMatch(/Stopping the pod\./);
  });

  it("with 'keep the pod running', Quit leaves daemon and pod running, and the next tray attaches to them", async () => {
    const first = keeperFor();
    await first.connect();
    const daemonPid = first.pid!;
    await first.client.call("settings.set", { changes: { ...(await standInPod()), "tray.keepPodRunning": true } });
    const podPid = await startPod(first.client);

    expect(await first.quit(true)).toBe("left-running");
    leftRunning.push(daemonPid);
    // The daemon saw its pipe close and stayed (it says so in its log).
    await waitFor("the daemon to note the tray is gone", async () => /keeps running as set/.test(await daemonLog(dir.path)));
    expect(alive(daemonPid) && alive(podPid)).toBe(true);

    const second = keeperFor();
    await second.connect();
    expect(second.ownership).toBe("attached");
    expect(second.pid).toBe(daemonPid);
    expect((await second.client.status()).pod.state).toBe("running");
  });
});
