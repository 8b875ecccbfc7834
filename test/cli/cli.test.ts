import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { dataPaths } from "../../main/store/paths";
import { podhost, servePodhost } from "../helpers/podhost";
import { tempDir } from "../helpers/temp";

let dir: { path: string; cleanup: () => Promise<void> };
beforeEach(async () => {
  dir = await tempDir();
});
afterEach(() => dir.cleanup());

describe("podhost CLI without a daemon", () => {
  it("says plainly that no daemon is running", async () => {
    for (const command of [["status"], ["start"], ["logs"]]) {
      const result = await podhost(dir.path, command);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/podhost is not running .*Start it with `podhost serve`/);
    }
  });

  it("edits the settings file directly, with the same validation", async () => {
    expect((await podhost(dir.path, ["config", "set", "proxy.httpsPort", "9443"])).code).toBe(0);
    expect((await podhost(dir.path, ["config", "get", "proxy.httpsPort"])).stdout.trim()).toBe("9443");
    const refused = await podhost(dir.path, ["config", "set", "proxy.httpsPort", "99999"]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/proxy\.httpsPort must be from 1 to 65535/);
    expect((await podhost(dir.path, ["config", "get", "proxy.httpsPort"])).stdout.trim()).toBe("9443");
  });

  it("takes --data-dir after the command's name too, as scripts write it", async () => {
    const other = await tempDir();
    try {
      expect((await podhost(dir.path, ["config", "set", "proxy.httpsPort", "9443"])).code).toBe(0);
      // The helper puts its own --data-dir first: the one after the command wins.
      const read = await podhost(other.path, ["config", "get", "proxy.httpsPort", "--data-dir", dir.path]);
      expect(read.stdout.trim(), read.stderr).toBe("9443");
    } finally {
      await other.cleanup();
    }
  });

  it("takes a value that parses as JSON as JSON, and anything else as text", async () => {
    await podhost(dir.path, ["config", "set", "pod.args", '["-p","3000"]']);
    await podhost(dir.path, ["config", "set", "pod.command", "node"]);
    const settings = JSON.parse(await readFile(dataPaths(dir.path).settings, "utf8")) as { settings: { pod: { args: string[]; command: string } } };
    expect(settings.settings.pod).toMatchObject({ args: ["-p", "3000"], command: "node" });
  });

  it("lists every setting with `config get`", async () => {
    const all = (await podhost(dir.path, ["config", "get"])).stdout;
    expect(all).toMatch(/^proxy\.httpsPort = 8443$/m);
    expect(all).toMatch(/^ports\.upnp = false$/m);
  });

  it("names an unknown key and how to list the real ones", async () => {
    const result = await podhost(dir.path, ["config", "set", "proxy.port", "1"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/no setting called "proxy.port".*podhost config get/);
  });
});

describe("podhost serve", () => {
  it("serves the API to the CLI over the local socket, and stops in order on SIGTERM", async () => {
    const served = await servePodhost(dir.path);
    const status = await podhost(dir.path, ["status", "--json"]);
    expect(status.code).toBe(0);
    const snapshot = JSON.parse(status.stdout) as Record<string, { state: string; message: string }>;
    expect(Object.keys(snapshot)).toEqual(expect.arrayContaining(["pod", "proxy", "certs", "ports", "dns"]));

    expect((await podhost(dir.path, ["config", "set", "domain", "pod.example.org"])).code).toBe(0);
    const logs = await podhost(dir.path, ["logs"]);
    expect(logs.stdout).toMatch(/Settings changed: domain/);

    const second = await podhost(dir.path, ["serve", "--ui-port", "0"]);
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(/already running/);

    expect(await served.stop()).toBe(0);
    expect(served.output()).toMatch(/SIGTERM received, stopping/);
    expect(existsSync(dataPaths(dir.path).socket)).toBe(false);
    expect(existsSync(dataPaths(dir.path).daemonInfo)).toBe(false);
  });
});
