import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { readdir, readFile, writeFile, mkdir } from "node:fs/promises";
import { join } from "node:path";
import { dataPaths } from "../../main/store/paths";
import { recordIdentity } from "../../main/pod/identity";
import { podhost, servePodhost } from "../helpers/podhost";
import { tempDir } from "../helpers/temp";

let dir: { path: string; cleanup: () => Promise<void> };
let paths: ReturnType<typeof dataPaths>;
beforeEach(async () => {
  dir = await tempDir();
  paths = dataPaths(dir.path);
});
afterEach(() => dir.cleanup());

const stored = async () => (JSON.parse(await readFile(paths.settings, "utf8")) as { settings: Record<string, Record<string, unknown>> }).settings;

describe("podhost config set on a group", () => {
  it("merges into the group: `config set pod {port}` keeps profile, command and args", async () => {
    for (const [key, value] of [["pod.profile", "custom"], ["pod.command", "/usr/bin/mypod"], ["pod.args", '["--serve"]']]) {
      expect((await podhost(dir.path, ["config", "set", key!, value!])).code).toBe(0);
    }
    const merged = await podhost(dir.path, ["config", "set", "pod", '{"port":17470}']);
    expect(merged).toMatchObject({ code: 0, stdout: "pod.port saved.\n" });
    expect((await podhost(dir.path, ["config", "set", "proxy", "{}"])).code).toBe(0);
    expect((await stored()).pod).toMatchObject({ profile: "custom", command: "/usr/bin/mypod", args: ["--serve"], port: 17470 });
  });
});

describe("settings.set with a group through the running daemon", () => {
  it("merges too: the daemon keeps what the change did not name", async () => {
    const served = await servePodhost(dir.path);
    try {
      expect((await podhost(dir.path, ["config", "set", "pod.command", "/usr/bin/mypod"])).code).toBe(0);
      expect((await podhost(dir.path, ["config", "set", "pod", '{"port":17471,"args":["--serve"]}'])).stdout).toBe("pod.port, pod.args saved.\n");
      expect((await stored()).pod).toMatchObject({ command: "/usr/bin/mypod", port: 17471, args: ["--serve"] });
    } finally {
      await served.stop();
    }
  });
});

describe("read-only commands", () => {
  it("`config get` with no daemon neither moves nor writes a damaged, a newer or an invalid settings file", async () => {
    for (const content of ['{"version": 1, "settings": {', JSON.stringify({ version: 999, podhost: "9.9.0", settings: {} }), JSON.stringify({ version: 1, settings: { proxy: { httpsPort: 70000 } } })]) {
      await writeFile(paths.settings, content);
      await writeFile(paths.secrets, "{oops", { mode: 0o600 });
      const result = await podhost(dir.path, ["config", "get"]);
      expect(result.code).toBe(0);
      expect(result.stderr).toMatch(/^! /m);
      expect((await readdir(dir.path)).sort()).toEqual(["secrets.json", "settings.json"]);
      expect(await readFile(paths.settings, "utf8")).toBe(content);
      expect(await readFile(paths.secrets, "utf8")).toBe("{oops");
    }
  });

  it("refuses `config set` on a newer podhost's file and leaves it as it was", async () => {
    const newer = JSON.stringify({ version: 999, podhost: "9.9.0", settings: { domain: "pod.example.org" } });
    await writeFile(paths.settings, newer);
    const refused = await podhost(dir.path, ["config", "set", "proxy.httpsPort", "9443"]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/This settings file is from podhost 9\.9\.0; .*Update podhost/);
    expect(await readFile(paths.settings, "utf8")).toBe(newer);
  });
});

describe("the identity lock on the CLI's offline path", () => {
  it("refuses to change the domain of a pod that has started, with no daemon running", async () => {
    expect((await podhost(dir.path, ["config", "set", "domain", "pod.example.org"])).code).toBe(0);
    recordIdentity(dir.path, { url: "https://pod.example.org/", firstStartedAt: 1 });
    const refused = await podhost(dir.path, ["config", "set", "domain", "other.example.net"]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/https:\/\/pod\.example\.org\/ .*can never change/);
    expect((await stored()).domain).toBe("pod.example.org");
  });

  it("treats a damaged identity file as locked, says where it is and how to repair or reset it, and keeps it", async () => {
    expect((await podhost(dir.path, ["config", "set", "domain", "pod.example.org"])).code).toBe(0);
    await mkdir(join(dir.path, "pod"), { recursive: true });
    await writeFile(join(dir.path, "pod", "identity.json"), '{"url": "https://pod.exa');
    const refused = await podhost(dir.path, ["config", "set", "ports.externalHttpsPort", "8443"]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`identity file ${join(dir.path, "pod", "identity.json")} is damaged`);
    expect(refused.stderr).toMatch(/Repair the file .* reset the identity/);
    expect(await readFile(join(dir.path, "pod", "identity.json"), "utf8")).toBe('{"url": "https://pod.exa');
  });
});

describe("commands that do not exist", () => {
  it("says so and exits 1, with or without --help", async () => {
    for (const args of [["frobnicate"], ["frobnicate", "--help"], ["config", "frob", "--help"]]) {
      const result = await podhost(dir.path, args);
      expect(result.code, args.join(" ")).toBe(1);
      expect(result.stderr).toMatch(new RegExp(`there is no command "${args.filter((a) => !a.startsWith("-")).join(" ")}"`));
    }
    expect((await podhost(dir.path, ["config", "get", "--help"])).code).toBe(0);
  });
});
