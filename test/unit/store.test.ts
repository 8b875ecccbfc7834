import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { readdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { SettingsStore } from "../../main/store/settings-store";
import { SecretsStore } from "../../main/store/secrets";
import { SettingsManager, type SettingsLock } from "../../main/store/settings-manager";
import { identityLock } from "../../main/pod";
import { dataPaths } from "../../main/store/paths";
import { applySettingsChanges, defaultSettings } from "../../shared/settings";
import { tempDir } from "../helpers/temp";

let dir: { path: string; cleanup: () => Promise<void> };
let paths: ReturnType<typeof dataPaths>;
beforeEach(async () => {
  dir = await tempDir();
  paths = dataPaths(dir.path);
});
afterEach(() => dir.cleanup());

const open = (lock: SettingsLock = identityLock(dir.path)) => SettingsManager.open(dir.path, lock);
const writeSettings = (settings: unknown, extra: Record<string, unknown> = {}) => writeFile(paths.settings, JSON.stringify({ version: 1, ...extra, settings }, null, 2));
const listing = async () => (await readdir(dir.path, { recursive: true })).sort();
const backups = async () => (await readdir(paths.backups).catch(() => [] as string[])).sort();

describe("settings store", () => {
  it("starts with defaults when there is no file", async () => {
    const loaded = await new SettingsStore(paths.settings).load();
    expect(loaded.settings).toEqual(defaultSettings());
    expect(loaded.notices).toEqual([]);
  });

  it("saves atomically with the schema version and the podhost that wrote it, 0600, and loads back what it saved", async () => {
    const store = new SettingsStore(paths.settings, undefined, undefined, "1.2.3");
    const settings = applySettingsChanges(defaultSettings(), { domain: "pod.example.org", "proxy.httpsPort": 9443 });
    await store.save(settings as never);
    const raw = JSON.parse(await readFile(paths.settings, "utf8")) as { version: number; podhost: string };
    expect(raw).toMatchObject({ version: 1, podhost: "1.2.3" });
    expect((await stat(paths.settings)).mode & 0o777).toBe(0o600);
    expect(await listing()).toEqual(["settings.json"]);
    expect((await store.load()).settings).toEqual(settings);
  });

  it("keeps every valid key when one field is invalid: only that field falls back, with a notice naming it", async () => {
    await writeSettings({ domain: "pod.example.org", pod: { profile: "custom", command: "/usr/bin/mypod", port: 4000 }, proxy: { httpsPort: 70000, httpPort: 8081 } });
    const manager = await open();
    expect(manager.settings.domain).toBe("pod.example.org");
    expect(manager.settings.pod).toMatchObject({ profile: "custom", command: "/usr/bin/mypod", port: 4000 });
    expect(manager.settings.proxy).toMatchObject({ httpsPort: 8443, httpPort: 8081 });
    expect(manager.notices).toHaveLength(1);
    expect(manager.notices[0]).toMatchObject({ field: "proxy.httpsPort", text: expect.stringMatching(/proxy\.httpsPort.*70000.*from 1 to 65535/) });
  });

  it("keeps the notice through a save and a restart, until the user sets the field", async () => {
    await writeSettings({ domain: "pod.example.org", proxy: { httpsPort: 70000 } });
    await (await open()).change({ "proxy.httpPort": 8081 });
    const restarted = await open();
    expect(restarted.notices.map((n) => n.field)).toEqual(["proxy.httpsPort"]);
    await restarted.change({ "proxy.httpsPort": 9443 });
    expect((await open()).notices).toEqual([]);
  });

  it("forgets a dismissed notice for good, even while the file still holds the bad value", async () => {
    await writeSettings({ proxy: { httpsPort: 70000 } });
    const manager = await open();
    await manager.dismissNotice(manager.notices[0]!.id);
    expect(manager.notices).toEqual([]);
    expect((await open()).notices).toEqual([]);
    await expect(manager.dismissNotice("no-such-notice")).rejects.toMatchObject({ code: "unknown-notice" });
  });

  it("leaves a damaged file exactly where it was on load, and keeps it as a dated backup when a save replaces it", async () => {
    const damaged = '{"version": 1, "settings": {"domain": ';
    await writeFile(paths.settings, damaged);
    const manager = await open();
    expect(manager.settings).toEqual(defaultSettings());
    expect(manager.notices[0]!.text).toMatch(/not valid JSON.*left as it is/);
    expect(await listing()).toEqual(["settings.json"]);
    await manager.change({ domain: "pod.example.org" });
    const kept = await backups();
    expect(kept).toHaveLength(1);
    expect(await readFile(join(paths.backups, kept[0]!), "utf8")).toBe(damaged);
  });

  it("never rewrites a file from a newer podhost: settings are read-only, and a change says which podhost wrote it", async () => {
    const newer = JSON.stringify({ version: 999, podhost: "9.9.0", settings: { domain: "pod.example.org", proxy: { httpsPort: 9443, quic: true } } });
    await writeFile(paths.settings, newer);
    const manager = await open();
    expect(manager.settings.domain).toBe("pod.example.org");
    expect(manager.settings.proxy.httpsPort).toBe(9443);
    expect(manager.notices[0]!.text).toMatch(/from podhost 9\.9\.0.*[Uu]pdate podhost/);
    await expect(manager.change({ "proxy.httpPort": 8081 })).rejects.toMatchObject({ code: "settings-read-only", message: expect.stringMatching(/this settings file is from podhost 9\.9\.0; .*Update podhost/i) });
    await expect(manager.change({ "dns.token": "abcdefabcdef" })).rejects.toMatchObject({ code: "settings-read-only" });
    expect(await readFile(paths.settings, "utf8")).toBe(newer);
    expect(await listing()).toEqual(["settings.json"]);
  });

  it("keeps keys it does not know through saves, at the top and inside a group", async () => {
    await writeSettings({ domain: "pod.example.org", proxy: { httpsPort: 9443, http3: { enabled: true } }, telemetry: "off" });
    await (await open()).change({ "proxy.httpPort": 8081 });
    const saved = JSON.parse(await readFile(paths.settings, "utf8")) as { settings: Record<string, Record<string, unknown>> };
    expect(saved.settings.telemetry).toBe("off");
    expect(saved.settings.proxy).toMatchObject({ httpsPort: 9443, httpPort: 8081, http3: { enabled: true } });
  });

  it("keeps the file each save replaces as a dated backup, the newest five", async () => {
    const manager = await open();
    for (let port = 9001; port <= 9008; port++) await manager.change({ "proxy.httpsPort": port });
    const kept = await backups();
    expect(kept).toHaveLength(5);
    const newest = JSON.parse(await readFile(join(paths.backups, kept[4]!), "utf8")) as { settings: { proxy: { httpsPort: number } } };
    expect(newest.settings.proxy.httpsPort).toBe(9007);
    for (const name of kept) expect((await stat(join(paths.backups, name))).mode & 0o777).toBe(0o600);
  });

  it("migrates an older file step by step in memory, and says so", async () => {
    await writeSettings({ name: "pod.example.org" });
    const steps = { 1: ({ name, ...rest }: Record<string, unknown>) => ({ ...rest, domain: name }) };
    const loaded = await new SettingsStore(paths.settings, steps, 2).load();
    expect(loaded.settings.domain).toBe("pod.example.org");
    expect(loaded.notices.map((n) => n.text)).toEqual(["Settings were updated from version 1 to 2."]);
  });
});

describe("secrets store", () => {
  it("keeps secrets in a 0600 file and shows only a masked hint", async () => {
    const secrets = new SecretsStore(paths.secrets);
    await secrets.set("dns.token", "abcdef0123456789");
    expect((await stat(paths.secrets)).mode & 0o777).toBe(0o600);
    expect(secrets.hint("dns.token")).toBe("••••6789");
    const again = new SecretsStore(paths.secrets);
    await again.load();
    expect(again.get("dns.token")).toBe("abcdef0123456789");
  });

  it("leaves a damaged secrets file in place, reports it, and keeps it as a backup when a secret is saved", async () => {
    await writeFile(paths.secrets, "{not json", { mode: 0o600 });
    const manager = await open();
    expect(manager.notices.map((n) => n.id)).toEqual(["secrets-damaged"]);
    expect(await readFile(paths.secrets, "utf8")).toBe("{not json");
    await manager.change({ "dns.token": "abcdef0123456789" });
    const kept = await backups();
    expect(kept).toEqual([expect.stringMatching(/^secrets\.json\./)]);
    expect(await readFile(join(paths.backups, kept[0]!), "utf8")).toBe("{not json");
  });

  it("keeps entries it does not know when a secret changes", async () => {
    await writeFile(paths.secrets, JSON.stringify({ "backup.password": "keep me please", "dns.token": "old-token-123" }), { mode: 0o600 });
    await (await open()).change({ "dns.token": "new-token-456" });
    expect(JSON.parse(await readFile(paths.secrets, "utf8"))).toEqual({ "backup.password": "keep me please", "dns.token": "new-token-456" });
  });
});

describe("settings manager", () => {
  const lock: SettingsLock = { locked: () => ({ domain: "The pod's address can never change after its first start." }), notices: () => [] };

  it("refuses a change to a locked key with the lock's reason, and saves nothing", async () => {
    const manager = await open(lock);
    await expect(manager.change({ domain: "other.example.org", "proxy.httpsPort": 9443 })).rejects.toMatchObject({ field: "domain", message: /never change/ });
    expect(manager.settings.proxy.httpsPort).toBe(8443);
    expect((await open()).settings.proxy.httpsPort).toBe(8443);
  });

  it("merges a group into the stored one: setting pod {port} keeps the pod's profile, command and args", async () => {
    const manager = await open();
    await manager.change({ "pod.profile": "custom", "pod.command": "/usr/bin/mypod", "pod.args": ["--serve"] });
    await manager.change({ pod: { port: 17470 } });
    await manager.change({ proxy: {} });
    expect((await open()).settings.pod).toMatchObject({ profile: "custom", command: "/usr/bin/mypod", args: ["--serve"], port: 17470 });
    await expect(manager.change({ pod: { prot: 1 } })).rejects.toMatchObject({ code: "unknown-setting", message: /"pod\.prot"/ });
  });

  it("refuses a settings port that podhost's UI already holds, naming both", async () => {
    const manager = await open();
    manager.reservePort("podhost's UI port (--ui-port)", 7468);
    await expect(manager.change({ "proxy.httpPort": 7468 })).rejects.toMatchObject({ field: "proxy.httpPort", message: /proxy\.httpPort and podhost's UI port .* both 7468/ });
  });

  it("refuses a secret longer than any real token, naming it", async () => {
    await expect((await open()).change({ "dns.token": "x".repeat(120_000) })).rejects.toMatchObject({ field: "dns.token", message: /at most 1024 characters.*120000/ });
  });
});
