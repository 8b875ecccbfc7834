import { describe, expect, it } from "vitest";
import { execFile } from "node:child_process";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { cliInstall, writeCliInstall } from "../../main/electron/cli-install";
import { externalLinkTarget, loginItemSettings, mayNavigate, startsHidden, trayImagePath, windowOpenDecision } from "../../main/electron/window-policy";
import { treeSignal } from "../../main/system/process-tree";
import { cliPath } from "./tray-helpers";

const ui = "http://127.0.0.1:7468/#token=abc";
const pod = { podUrl: "https://pod.example.org/" };

describe("the tray window's security rules", () => {
  it("lets the window navigate only within podhost's own UI", () => {
    expect(mayNavigate("http://127.0.0.1:7468/#/settings", ui)).toBe(true);
    for (const url of ["http://127.0.0.1:7469/", "https://pod.example.org/", "file:///etc/passwd", "javascript:alert(1)", "not a url"]) expect(mayNavigate(url, ui), url).toBe(false);
  });

  it("hands http(s) links to the pod, or marked external, to the browser, and refuses every other", () => {
    expect(windowOpenDecision({ url: "https://pod.example.org/users/sign_in", frameName: "" }, pod)).toBe("open-in-browser");
    expect(windowOpenDecision({ url: "https://diasporafoundation.org/", frameName: externalLinkTarget }, pod)).toBe("open-in-browser");
    const refused = ["https://evil.example/", "file:///etc/passwd", "smb://server/share", "ms-msdt:/id", "javascript:alert(1)", "https://user:pw@pod.example.org/", "http://pod.example.org.evil.example/"];
    for (const url of refused) expect(windowOpenDecision({ url, frameName: "" }, pod), url).toBe("deny");
    expect(windowOpenDecision({ url: "file:///etc/passwd", frameName: externalLinkTarget }, pod)).toBe("deny");
    expect(windowOpenDecision({ url: "https://pod.example.org/", frameName: "" }, { podUrl: undefined })).toBe("deny");
  });
});

describe("the tray on each OS", () => {
  it("uses template images on macOS, and the coloured ones elsewhere", async () => {
    expect(trayImagePath("running", "darwin")).toBe("build/tray/mac/runningTemplate.png");
    expect(trayImagePath("running", "linux")).toBe("build/tray/running.png");
    for (const state of ["stopped", "starting", "running", "failing"] as const) {
      for (const platform of ["darwin", "linux", "win32"] as const) await stat(new URL(`../../${trayImagePath(state, platform)}`, import.meta.url));
    }
  });

  it("passes --hidden to the login item only on Windows, and starts hidden when macOS opened it at login", () => {
    expect(loginItemSettings(true, "win32")).toEqual({ openAtLogin: true, args: ["--hidden"] });
    expect(loginItemSettings(true, "darwin")).toEqual({ openAtLogin: true });
    expect(startsHidden([], true)).toBe(true);
    expect(startsHidden(["--hidden"], false)).toBe(true);
    expect(startsHidden([], false)).toBe(false);
  });

  it("stops a process tree with taskkill /T on Windows and by process group elsewhere", () => {
    expect(treeSignal(42, "SIGTERM", "win32")).toEqual({ kind: "taskkill", args: ["/PID", "42", "/T"] });
    expect(treeSignal(42, "SIGKILL", "win32")).toEqual({ kind: "taskkill", args: ["/PID", "42", "/T", "/F"] });
    expect(treeSignal(42, "SIGTERM", "linux")).toEqual({ kind: "group", pgid: 42, signal: "SIGTERM" });
  });

  it("installs a `podhost` command that runs the app's own CLI", async () => {
    const home = await mkdtemp(join(tmpdir(), "podhost-cli-"));
    try {
      // Node stands in for the app's binary in Node mode.
      const install = cliInstall({ execPath: process.execPath, cliPath, platform: "linux", home });
      if ("unavailable" in install) throw new Error(install.unavailable);
      await writeCliInstall(install);
      expect(install.path).toBe(join(home, ".local", "bin", "podhost"));
      const { stdout } = await promisify(execFile)(install.path, ["--version"]);
      expect(stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
      expect(cliInstall({ execPath: "/x", cliPath: "/y", platform: "linux", appImage: "/tmp/podhost.AppImage" })).toMatchObject({ unavailable: expect.stringMatching(/AppImage.*\.deb/) });
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });
});
