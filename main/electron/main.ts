// The tray app: glue between Electron and the daemon. No product logic lives here; the daemon
// runs in a utilityProcess (so proxy load never stalls the tray) and the tray is one more API client.
import { app, BrowserWindow, Menu, Notification, Tray, nativeImage, shell, utilityProcess, type MenuItemConstructorOptions, type UtilityProcess } from "electron";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { StatusSnapshot } from "../../shared/status";
import { podUrl } from "../../shared/settings";
import { ControlClient } from "../cli/client";
import { followStatus } from "../cli/follow";
import { defaultDataDir } from "../store/paths";
import { trayModel, type TrayAction, type TrayMenuItem } from "./menu";
import { isXdgAutostartEnabled, setXdgAutostart } from "./autostart";
import { notificationsFor } from "./notifications";

const appDir = fileURLToPath(new URL("../..", import.meta.url));
const dataDir = process.env.PODHOST_DATA_DIR || defaultDataDir();
const client = new ControlClient(dataDir);
const startHidden = process.argv.includes("--hidden");

let tray: Tray | undefined;
let window: BrowserWindow | undefined;
let daemon: UtilityProcess | undefined;
let uiUrl: string | undefined;
let snapshot: StatusSnapshot | undefined;
let currentPodUrl: string | undefined;
let quitting = false;
const daemonCrashes: number[] = [];

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on("second-instance", () => showWindow());
  app.on("window-all-closed", () => {
    // A tray app keeps running with no window.
  });
  app.whenReady().then(() => {
    tray = new Tray(icon("starting"));
    tray.on("click", () => showWindow());
    render();
    startDaemon();
  });
}

function startDaemon(): void {
  daemon = utilityProcess.fork(join(appDir, "dist", "cli.js"), ["--data-dir", dataDir, "serve", "--ui-port", "0"], { serviceName: "podhost daemon", stdio: "inherit" });
  daemon.on("message", (message: { type?: string; url?: string }) => {
    if (message.type !== "ready" || !message.url) return;
    uiUrl = message.url;
    void follow();
    if (!startHidden) showWindow();
  });
  daemon.on("exit", (code) => {
    daemon = undefined;
    if (quitting) return;
    // Bounded restarts: a daemon that keeps dying is reported, not looped.
    const now = Date.now();
    daemonCrashes.push(now);
    while (daemonCrashes.length > 0 && now - daemonCrashes[0]! > 60_000) daemonCrashes.shift();
    if (daemonCrashes.length >= 3) {
      new Notification({ title: "podhost stopped", body: `podhost's background service keeps stopping (exit code ${code}). See the log in ${dataDir}/logs.` }).show();
      return;
    }
    startDaemon();
  });
}

async function follow(): Promise<void> {
  try {
    const view = await client.call("settings.get", {});
    currentPodUrl = podUrl(view.settings);
    followStatus(client, (next) => {
      notifyChanges(snapshot, next);
      snapshot = next;
      render();
    });
  } catch (error) {
    console.error(`podhost tray: cannot follow the daemon: ${String(error)}`);
  }
}

function notifyChanges(before: StatusSnapshot | undefined, after: StatusSnapshot): void {
  for (const notification of notificationsFor(before, after)) new Notification(notification).show();
}

function render(): void {
  if (!tray) return;
  const model = trayModel(snapshot, { podUrl: currentPodUrl, autostart: autostartEnabled() });
  tray.setImage(icon(model.icon));
  tray.setToolTip(model.tooltip);
  tray.setContextMenu(Menu.buildFromTemplate(model.items.map(toMenuItem)));
}

function toMenuItem(item: TrayMenuItem): MenuItemConstructorOptions {
  if (item.type === "separator") return { type: "separator" };
  if (item.type === "info") return { label: item.label, enabled: false };
  if (item.type === "checkbox") return { type: "checkbox", label: item.label, checked: item.checked, click: () => void act(item.id) };
  return { label: item.label, enabled: item.enabled, click: () => void act(item.id) };
}

async function act(action: TrayAction): Promise<void> {
  try {
    switch (action) {
      case "start":
        return void (await client.call("pod.start", {}));
      case "stop":
        return void (await client.call("pod.stop", {}));
      case "restart":
        return void (await client.call("pod.restart", {}));
      case "open":
        return showWindow();
      case "openPod":
        return void (currentPodUrl && (await shell.openExternal(currentPodUrl)));
      case "toggleAutostart":
        await setAutostart(!autostartEnabled());
        return render();
      case "quit":
        return quit();
    }
  } catch (error) {
    new Notification({ title: "podhost", body: (error as Error).message }).show();
  }
}

function showWindow(): void {
  if (!uiUrl) return;
  if (!window) {
    window = new BrowserWindow({ width: 1000, height: 720, title: "podhost", show: false, webPreferences: { contextIsolation: true, sandbox: true, nodeIntegration: false } });
    window.removeMenu();
    window.on("close", (event) => {
      if (!quitting) {
        event.preventDefault();
        window?.hide();
      }
    });
    window.once("ready-to-show", () => window?.show());
    // Links to the pod or documentation open in the user's browser, never inside the app.
    window.webContents.setWindowOpenHandler(({ url }) => {
      void shell.openExternal(url);
      return { action: "deny" };
    });
    void window.loadURL(uiUrl);
  } else {
    window.show();
    window.focus();
  }
}

/** Quit: the pod stops first, then the daemon, in order. */
async function quit(): Promise<void> {
  quitting = true;
  const running = daemon;
  if (running) {
    const exited = new Promise<void>((resolve) => running.once("exit", () => resolve()));
    running.postMessage({ type: "stop" });
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 30_000))]);
  }
  app.quit();
}

function autostartEnabled(): boolean {
  return process.platform === "linux" ? isXdgAutostartEnabled() : app.getLoginItemSettings().openAtLogin;
}

async function setAutostart(enabled: boolean): Promise<void> {
  if (process.platform === "linux") await setXdgAutostart(enabled, process.env.APPIMAGE ?? process.execPath);
  else app.setLoginItemSettings({ openAtLogin: enabled, args: ["--hidden"] });
}

function icon(state: string) {
  return nativeImage.createFromPath(join(appDir, "build", "tray", `${state}.png`));
}
