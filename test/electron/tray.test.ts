import { describe, expect, it } from "vitest";
import { createRequire } from "node:module";
import { existsSync } from "node:fs";
import { _electron as electron, type ElectronApplication } from "playwright-core";
import type { TrayAction, TrayModel } from "../../main/electron/menu";
import { repoRoot } from "../helpers/podhost";
import { tempDir, waitFor } from "../helpers/temp";
import { alive, standInPod } from "../unit/tray-helpers";
import { ControlClient } from "../../main/cli/client";

/** The Electron binary, when this machine could download it (see README: install scripts are off). */
function electronBinary(): string | undefined {
  try {
    const binary = createRequire(import.meta.url)("electron") as string;
    return existsSync(binary) ? binary : undefined;
  } catch {
    return undefined;
  }
}

const binary = electronBinary();
if (binary === undefined) {
  // The default reporter shows a skipped file only as "1 skipped": say why where people look.
  console.warn("test/electron/tray.test.ts skipped: no Electron binary on this machine (`node node_modules/electron/install.js` fetches it on a PC with internet). The tray's logic is tested without it in test/unit/tray-*.test.ts.");
}

/** The tray's menu model and actions, which main.ts exposes to tests when PODHOST_E2E=1. */
const model = (app: ElectronApplication) => app.evaluate(() => (globalThis as unknown as { podhostTray: { model(): TrayModel } }).podhostTray.model());
const act = (app: ElectronApplication, action: TrayAction) => app.evaluate((_electron, name) => (globalThis as unknown as { podhostTray: { act(a: string): Promise<void> } }).podhostTray.act(name), action);
const enabled = (tray: TrayModel, id: TrayAction) => tray.items.some((item) => item.type === "item" && item.id === id && item.enabled);

describe.skipIf(binary === undefined)("tray app (Electron)", () => {
  it("opens the UI, follows Start and Stop in its menu, and Quit stops the pod", async () => {
    const dir = await tempDir();
    const client = new ControlClient(dir.path);
    const app = await electron.launch({ executablePath: binary, args: [repoRoot, "--no-sandbox"], env: { ...process.env, PODHOST_DATA_DIR: dir.path, PODHOST_E2E: "1" } });
    try {
      const window = await app.firstWindow();
      await window.getByRole("heading", { name: "Status" }).waitFor();
      expect(await window.title()).toMatch(/podhost/);

      await client.call("settings.set", { changes: await standInPod() });
      await waitFor("Start pod in the menu", async () => enabled(await model(app), "start"), 30_000);
      await act(app, "start");
      await waitFor("Stop pod in the menu", async () => enabled(await model(app), "stop"), 30_000);
      const podPid = (await client.status()).pod.processes?.[0]?.pid;
      expect(podPid).toBeGreaterThan(0);

      const exited = new Promise<void>((resolve) => app.process().once("exit", () => resolve()));
      void act(app, "quit").catch(() => undefined);
      await exited;
      await waitFor("the pod to be stopped", () => !alive(podPid!), 30_000);
    } finally {
      if (app.process().exitCode === null) await app.close();
      await dir.cleanup();
    }
  });
});
