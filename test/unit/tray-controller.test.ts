import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ControlClient } from "../../main/cli/client";
import type { TrayModel } from "../../main/electron/menu";
import { TrayController } from "../../main/electron/tray-controller";
import { podhost, servePodhost, type ServedPodhost } from "../helpers/podhost";
import { tempDir, waitFor } from "../helpers/temp";

let dir: { path: string; cleanup: () => Promise<void> };
let served: ServedPodhost;
let drawn: TrayModel[];
let controller: TrayController;

const item = (model: TrayModel, id: string) => model.items.find((entry) => "id" in entry && entry.id === id);
const last = () => drawn.at(-1)!;
async function set(key: string, value: string): Promise<void> {
  const result = await podhost(dir.path, ["config", "set", key, value]);
  expect(result.code, result.stderr).toBe(0);
}

beforeEach(async () => {
  dir = await tempDir();
  served = await servePodhost(dir.path);
  drawn = [];
  controller = new TrayController({ client: new ControlClient(dir.path), render: (model) => drawn.push(model), notify: () => undefined, autostart: () => false, ownership: () => "owned" });
  controller.start();
  await waitFor("the first status in the menu", () => drawn.some((model) => model.items.some((entry) => entry.type === "info" && entry.label.startsWith("Pod:"))));
});
afterEach(async () => {
  await controller.stop();
  await served.stop();
  await dir.cleanup();
});

describe("the tray's menu, following a real daemon's events", () => {
  it("redraws when what it shows changes, and not for a change it does not show", async () => {
    await set("pod.profile", "custom");
    await set("pod.command", process.execPath);
    await waitFor("Start pod to be offered", () => item(last(), "start")?.type === "item" && (item(last(), "start") as { enabled: boolean }).enabled);
    const count = drawn.length;

    // Saved and announced on the stream (the tray reads the settings again), but nothing it shows
    // changed; the change after it, which it shows, is the one redraw. Events arrive in order.
    await set("proxy.maxBodyMiB", "9");
    await set("pod.profile", "custom");
    await set("tray.keepPodRunning", "true");
    await waitFor("the quit line to follow the setting", () => last().items.some((entry) => entry.type === "info" && entry.label === "Quit leaves the pod running"));
    expect(drawn.length).toBe(count + 1);
  });

  it("follows the pod's address when the domain changes", async () => {
    await set("domain", "first.example.org");
    await waitFor("the first address", () => last().podUrl === "https://first.example.org/");
    await set("domain", "second.example.org");
    await waitFor("the new address", () => last().podUrl === "https://second.example.org/");
  });

  it("follows the stream again after the daemon restarts", async () => {
    expect(await served.stop()).toBe(0);
    served = await servePodhost(dir.path);
    await set("pod.profile", "custom");
    await set("pod.command", process.execPath);
    await waitFor("the change made after the restart", () => last().items.some((entry) => entry.type === "info" && entry.label === "Pod: stopped"), 30_000);
  });
});
