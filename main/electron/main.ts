// The tray app: glue between Electron and plain modules. The decisions live in modules tested
// without Electron: daemon-keeper.ts (attach or start, quit in order), tray-controller.ts (the menu
// follows the event stream), window-policy.ts (what the window may open), cli-install.ts.
import { app, BrowserWindow, Menu, Notification, Tray, nativeImage, powerMonitor, session, shell, type MenuItemConstructorOptions } from "electron";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { defaultDataDir } from "../store/paths";
import { type TrayAction, type TrayMenuItem, type TrayModel } from "./menu";
import { isXdgAutostartEnabled, setXdgAutostart } from "./autostart";
import { DaemonKeeper, spawnDaemonProcess } from "./daemon-keeper";
import { TrayController } from "./tray-controller";
import { loginItemSettings, mayNavigate, startsHidden, trayImagePath, windowOpenDecision } from "./window-policy";
import { cliInstall, writeCliInstall } from "./cli-install";

const appDir = fileURLToPath(new URL("../..", import.meta.url));
const cliPath = join(appDir, "dist", "cli.js");
const dataDir = process.env.PODHOST_DATA_DIR || defaultDataDir();
const hidden = startsHidden(process.argv, process.platform === "darwin" && app.getLoginItemSettings().wasOpenedAtLogin);

let tray: Tray | undefined;
let window: BrowserWindow | undefined;
let uiUrl: string | undefined;
let quitting: Promise<void> | undefined;

const keeper = new DaemonKeeper({
  dataDir,
  spawnDaemon: () => spawnDaemonProcess({ execPath: process.execPath, cliPath, dataDir, env: { ELECTRON_RUN_AS_NODE: "1" } }),
  onDaemonReady: (url) => {
    // A restarted daemon listens on a new port: the window follows it.
    if (window && uiUrl !== url) void window.loadURL(url);
    uiUrl = url;
  },
  onDaemonExit: ({ code, restarting }) => {
    if (!restarting) notify({ title: "podhost stopped", body: `podhost's background service keeps stopping (exit code ${code}). See the log in ${join(dataDir, "logs")}.` });
  },
});

const controller = new TrayController({
  client: keeper.client,
  render,
  notify,
  autostart: autostartEnabled,
  ownership: () => keeper.ownership,
});

// The Electron end-to-end test reads the menu's model and clicks its items through this.
if (process.env.PODHOST_E2E === "1") Object.assign(globalThis, { podhostTray: { model: () => controller.model, act } });

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on("second-instance", () => showWindow());
  app.on("window-all-closed", () => {
    // A tray app keeps running with no window.
  });
  // Every way out goes through quit(): the menu, Cmd-Q and app.quit() (before-quit), logout and
  // shutdown (session-end on Windows, powerMonitor's shutdown elsewhere), and signals.
  app.on("before-quit", (event) => {
    if (quitting === undefined) event.preventDefault();
    void quit();
  });
  process.once("SIGTERM", () => void quit());
  process.once("SIGINT", () => void quit());
  app.on("web-contents-created", (_event, contents) => {
    contents.on("will-attach-webview", (event) => event.preventDefault());
  });
  app.whenReady().then(async () => {
    session.defaultSession.setPermissionRequestHandler((_contents, _permission, decide) => decide(false));
    session.defaultSession.setPermissionCheckHandler(() => false);
    // Linux and macOS: preventDefault delays the shutdown while the pod stops (the handler gets the
    // event, though Electron's types leave it out).
    const onShutdown = (event?: { preventDefault(): void }) => {
      event?.preventDefault();
      void quit();
    };
    powerMonitor.on("shutdown", onShutdown as () => void);
    tray = new Tray(image("starting"));
    tray.on("click", () => showWindow());
    controller.redraw();
    try {
      await keeper.connect();
      controller.start();
      if (!hidden) showWindow();
    } catch (error) {
      notify({ title: "podhost could not start", body: (error as Error).message });
    }
  });
}

function render(model: TrayModel): void {
  if (!tray) return;
  tray.setImage(image(model.icon));
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
  const client = keeper.client;
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
      case "openPod": {
        const url = controller.model.podUrl;
        return void (url && (await shell.openExternal(url)));
      }
      case "toggleAutostart":
        await setAutostart(!autostartEnabled());
        return controller.redraw();
      case "toggleKeepRunning":
        return void (await client.call("settings.set", { changes: { "tray.keepPodRunning": !controller.keepsPodRunning } }));
      case "installCli":
        return await installCli();
      case "quit":
        return await quit();
    }
  } catch (error) {
    notify({ title: "podhost", body: (error as Error).message });
  }
}

async function installCli(): Promise<void> {
  const install = cliInstall({ execPath: process.execPath, cliPath, platform: process.platform, appImage: process.env.APPIMAGE, localAppData: process.env.LOCALAPPDATA });
  if ("unavailable" in install) return notify({ title: "Command-line tool", body: install.unavailable });
  await writeCliInstall(install);
  notify({ title: "Command-line tool installed", body: `\`podhost\` is now ${install.path}. If your terminal does not find it, add its folder to PATH.` });
}

function showWindow(): void {
  if (!uiUrl) return;
  if (window) {
    window.show();
    window.focus();
    return;
  }
  window = new BrowserWindow({ width: 1000, height: 720, title: "podhost", show: false, webPreferences: { contextIsolation: true, sandbox: true, nodeIntegration: false, webviewTag: false } });
  window.removeMenu();
  window.on("close", (event) => {
    if (quitting === undefined) {
      event.preventDefault();
      window?.hide();
    }
  });
  window.on("session-end", () => void quit());
  window.once("ready-to-show", () => window?.show());
  window.webContents.on("will-navigate", (event, url) => {
    if (!uiUrl || !mayNavigate(url, uiUrl)) event.preventDefault();
  });
  window.webContents.setWindowOpenHandler(({ url, frameName }) => {
    if (windowOpenDecision({ url, frameName }, { podUrl: controller.model.podUrl }) === "open-in-browser") void shell.openExternal(url);
    return { action: "deny" };
  });
  void window.loadURL(uiUrl);
}

/** Quit: the pod stops in order first (unless the user chose to keep it running), then the tray. */
function quit(): Promise<void> {
  return (quitting ??= (async () => {
    try {
      await controller.stop();
      await keeper.quit(controller.keepsPodRunning);
    } catch (error) {
      console.error(`podhost tray: quitting: ${String(error)}`);
    }
    app.exit(0);
  })());
}

function notify(notification: { title: string; body: string }): void {
  new Notification(notification).show();
}

function autostartEnabled(): boolean {
  return process.platform === "linux" ? isXdgAutostartEnabled() : app.getLoginItemSettings().openAtLogin;
}

async function setAutostart(enabled: boolean): Promise<void> {
  if (process.platform === "linux") await setXdgAutostart(enabled, process.env.APPIMAGE ?? process.execPath);
  else app.setLoginItemSettings(loginItemSettings(enabled, process.platform));
}

function image(state: TrayModel["icon"]) {
  return nativeImage.createFromPath(join(appDir, trayImagePath(state, process.platform)));
}
