import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { readdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { SettingsStore } from "../../main/store/settings-store";
import { SecretsStore } from "../../main/store/secrets";
import { SettingsManager } from "../../main/store/settings-manager";
import { applySettingsChanges, defaultSettings } from "../../shared/settings";
import { tempDir } from "../helpers/temp";

let dir: { path: string; cleanup: () => Promise<void> };
beforeEach(async () => {
  dir = await tempDir();
});
afterEach(() => dir.cleanup());

describe("settings store", () => {
  it("starts with defaults when there is no file", async () => {
    const loaded = await new SettingsStore(join(dir.path, "settings.json")).load();
    expect(loaded.settings).toEqual(defaultSettings());
    expect(loaded.notices).toEqual([]);
  });

  it("saves atomically with a schema version, 0600, and loads back what it saved", async () => {
    const path = join(dir.path, "settings.json");
    const store = new SettingsStore(path);
    const settings = applySettingsChanges(defaultSettings(), { domain: "pod.example.org", "proxy.httpsPort": 9443 });
    await store.save(settings);
    const raw = JSON.parse(await readFile(path, "utf8")) as { version: number };
    expect(raw.version).toBe(1);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect((await readdir(dir.path)).filter((name) => name !== "settings.json")).toEqual([]);
    expect((await store.load()).settings).toEqual(settings);
  });

  it("moves a corrupt file aside (kept, not deleted), starts with defaults and says where the file is", async () => {
    const path = join(dir.path, "settings.json");
    await writeFile(path, '{"version": 1, "settings": {"domain": ');
    const loaded = await new SettingsStore(path).load(new Date("2026-11-22T10:00:00Z"));
    expect(loaded.settings).toEqual(defaultSettings());
    const kept = join(dir.path, "settings.json.broken-2026-11-22T10-00-00-000Z");
    expect(await readFile(kept, "utf8")).toBe('{"version": 1, "settings": {"domain": ');
    expect(loaded.notices[0]).toContain(kept);
    expect(loaded.notices[0]).toMatch(/not valid JSON/);
  });

  it("moves aside a file whose values break the schema, naming the field", async () => {
    const path = join(dir.path, "settings.json");
    await writeFile(path, JSON.stringify({ version: 1, settings: { proxy: { httpsPort: "eighty" } } }));
    const loaded = await new SettingsStore(path).load();
    expect(loaded.notices[0]).toMatch(/proxy\.httpsPort/);
    expect((await readdir(dir.path)).some((name) => name.startsWith("settings.json.broken-"))).toBe(true);
  });

  it("refuses a file from a newer podhost instead of misreading it", async () => {
    const path = join(dir.path, "settings.json");
    await writeFile(path, JSON.stringify({ version: 99, settings: {} }));
    expect((await new SettingsStore(path).load()).notices[0]).toMatch(/newer podhost/);
  });

  it("migrates an older file step by step and says so", async () => {
    const path = join(dir.path, "settings.json");
    await writeFile(path, JSON.stringify({ version: 1, settings: { name: "pod.example.org" } }));
    const steps = { 1: ({ name, ...rest }: Record<string, unknown>) => ({ ...rest, domain: name }) };
    const loaded = await new SettingsStore(path, steps, 2).load();
    expect(loaded.settings.domain).toBe("pod.example.org");
    expect(loaded.notices).toEqual(["Settings were updated from version 1 to 2."]);
  });
});

describe("secrets store", () => {
  it("keeps secrets in a 0600 file and shows only a masked hint", async () => {
    const path = join(dir.path, "secrets.json");
    const secrets = new SecretsStore(path);
    await secrets.set("dns.token", "abcdef0123456789");
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(secrets.hint("dns.token")).toBe("••••6789");
    const again = new SecretsStore(path);
    await again.load();
    expect(again.get("dns.token")).toBe("abcdef0123456789");
  });
});

describe("settings manager", () => {
  it("refuses a change to a locked key with the lock's reason, and saves nothing", async () => {
    const manager = await SettingsManager.open(dir.path, () => ({ domain: "The pod's address can never change after its first start." }));
    await expect(manager.change({ domain: "other.example.org", "proxy.httpsPort": 9443 })).rejects.toMatchObject({ field: "domain", message: /never change/ });
    expect(manager.settings.proxy.httpsPort).toBe(8443);
    expect((await SettingsManager.open(dir.path)).settings.proxy.httpsPort).toBe(8443);
  });
});
