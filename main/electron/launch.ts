import { spawn, execFile } from "node:child_process";
import { createRequire } from "node:module";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

export type LaunchResult = { ok: true } | { ok: false; reason: string };

const require = createRequire(import.meta.url);
const appDir = fileURLToPath(new URL("..", import.meta.url));

/**
 * `npm start`: run the tray app when an Electron binary can be had. The binary is fetched at the
 * first start (install scripts are off, see README), so a PC without internet or without a
 * desktop gets one line saying why, and the caller starts podhost headless.
 */
export async function launchApp(dataDir: string): Promise<LaunchResult> {
  let binary = electronBinary();
  if (binary === undefined) {
    const download = await downloadElectron();
    if (!download.ok) return download;
    binary = electronBinary();
    if (binary === undefined) return { ok: false, reason: "Electron's binary is still missing after its download" };
  }
  if (process.platform === "linux" && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
    return { ok: false, reason: "No desktop session here (neither DISPLAY nor WAYLAND_DISPLAY is set), so the tray app cannot open" };
  }
  const child = spawn(binary, [appDir], { stdio: "inherit", env: { ...process.env, PODHOST_DATA_DIR: dataDir } });
  const code = await new Promise<number>((resolve) => child.on("exit", (exitCode) => resolve(exitCode ?? 1)));
  process.exit(code);
}

function electronBinary(): string | undefined {
  try {
    // In plain Node, the electron package exports the path of its binary, and throws if there is none.
    const resolved = require.resolve("electron");
    delete require.cache[resolved];
    const binary = require("electron") as string;
    return existsSync(binary) ? binary : undefined;
  } catch {
    return undefined;
  }
}

function downloadElectron(): Promise<LaunchResult> {
  let installer: string;
  try {
    installer = require.resolve("electron/install.js");
  } catch {
    return Promise.resolve({ ok: false, reason: "Electron is not installed (run `npm ci` in the podhost folder)" });
  }
  console.log("podhost: fetching Electron's binary (first start)…");
  return new Promise((resolve) => {
    execFile(process.execPath, [installer], { timeout: 300_000 }, (error, _stdout, stderr) => {
      if (!error) return resolve({ ok: true });
      const cause = /(getaddrinfo \S+ \S+|ECONNREFUSED|ETIMEDOUT|RequestError: [^\n]+)/.exec(stderr)?.[1] ?? stderr.trim().split("\n")[0] ?? error.message;
      resolve({ ok: false, reason: `Electron is not available: its binary could not be downloaded (${cause})` });
    });
  });
}
