import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { build } from "esbuild";
import { mkdir, readFile, readdir, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { identityPath, lockedSettings, readIdentity, recordIdentity } from "../../main/pod/identity";
import { dataPaths } from "../../main/store/paths";
import { tempDir } from "../helpers/temp";
import { killedAt } from "./fault-helpers";

const fixture = fileURLToPath(new URL("./fixtures/write-state.ts", import.meta.url));
let writer: string;
let bundles: { path: string; cleanup: () => Promise<void> };
// The writer runs as plain node (bundled), so that the only renames it makes are podhost's own.
beforeAll(async () => {
  bundles = await tempDir("podhost-writer-");
  writer = join(bundles.path, "write-state.cjs");
  await build({ entryPoints: [fixture], bundle: true, platform: "node", format: "cjs", outfile: writer, logLevel: "error", define: { "import.meta.url": "importMetaUrl" }, banner: { js: 'const importMetaUrl = require("node:url").pathToFileURL(__filename).href;' } });
});
afterAll(() => bundles.cleanup());

let dir: { path: string; cleanup: () => Promise<void> };
beforeEach(async () => {
  dir = await tempDir();
});
afterEach(() => dir.cleanup());

const renames = ["rename", "renameat", "renameat2"];
const writes = ["write", "pwrite64", "writev", "pwritev"];
/** A podhost process that writes one state file, SIGKILLed at a precise system call. */
const crashWhileWriting = (what: "identity" | "settings", syscalls: string[], onlyPath?: string) => killedAt(syscalls, [process.execPath, writer, what, dir.path], onlyPath);

describe("state files under a crash", () => {
  it("keeps the recorded identity whole when podhost is killed between writing the new file and renaming it", async () => {
    recordIdentity(dir.path, { url: "https://pod.example.org/", firstStartedAt: 1 });
    expect(await crashWhileWriting("identity", renames)).toEqual({ signal: "SIGKILL" });
    expect(readIdentity(dir.path)).toEqual({ state: "recorded", identity: { url: "https://pod.example.org/", firstStartedAt: 1 } });
    expect(lockedSettings(dir.path).domain).toMatch(/https:\/\/pod\.example\.org\/ .*can never change/);
  });

  it("never leaves identity.json empty or half-written when podhost is killed at its first write into it", async () => {
    recordIdentity(dir.path, { url: "https://pod.example.org/", firstStartedAt: 1 });
    await crashWhileWriting("identity", writes, identityPath(dir.path));
    expect(readIdentity(dir.path).state).toBe("recorded");
  });

  it("keeps settings.json whole when podhost is killed between writing the new file and renaming it", async () => {
    const paths = dataPaths(dir.path);
    const before = JSON.stringify({ version: 1, settings: { domain: "pod.example.org" } });
    await writeFile(paths.settings, before);
    expect(await crashWhileWriting("settings", renames)).toEqual({ signal: "SIGKILL" });
    expect(await readFile(paths.settings, "utf8")).toBe(before);
  });

  it("never lifts the lock for an empty, truncated or shapeless identity file, and says where it is", async () => {
    await mkdir(join(dir.path, "pod"));
    for (const content of ["", '{"url": "https://pod.exa', "[]", '{"url": 42}']) {
      await writeFile(identityPath(dir.path), content);
      const locked = lockedSettings(dir.path);
      expect(Object.keys(locked)).toEqual(["domain", "ports.externalHttpsPort"]);
      expect(locked.domain).toContain(`${identityPath(dir.path)} is damaged`);
      expect(await readFile(identityPath(dir.path), "utf8")).toBe(content);
    }
  });

  it("writes identity.json 0600 with no temp file left behind", async () => {
    recordIdentity(dir.path, { url: "https://pod.example.org/", firstStartedAt: 1 });
    expect(await readdir(join(dir.path, "pod"))).toEqual(["identity.json"]);
    expect((await stat(identityPath(dir.path))).mode & 0o777).toBe(0o600);
  });
});
