import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { addPost, readPosts, serveManagedPod, type ManagedPod } from "../helpers/managed-pod";
import { podhost } from "../helpers/podhost";
import { giveTo, ownedTempDir, testUser } from "../helpers/unprivileged";
import { ControlClient } from "../../main/cli/client";
import { diasporaSettings, dumpVerdicts, hashTree, podhostWithInput, postsCheckout, resticAs, setUpBackups, startPod, status, writeUploads } from "./helpers";

/**
 * The "new computer after the old one died" story, end to end on real parts: a diaspora*-shaped
 * pod with its posts in the managed PostgreSQL and photos in public/uploads is backed up with
 * restic; the data dir, the cluster and the checkout are wiped; a fresh podhost on an empty data
 * dir restores into a new checkout and starts the same pod.
 */
describe("backup and restore onto a new computer", () => {
  const user = testUser();
  let root: { path: string; cleanup: () => Promise<void> };
  let oldPod: ManagedPod;
  let newPod: ManagedPod | undefined;
  let repository: string;
  let passphrase: string;
  let settings: Record<string, unknown>;
  const firstSnapshot = () => (JSON.parse(resticAs(repository, passphrase, ["snapshots", "--json"]).out) as Array<{ id: string }>)[0]!.id;
  const original: { posts?: unknown; uploads?: Record<string, string>; identity?: string; certs?: Record<string, string>; config?: Record<string, string> } = {};

  beforeAll(async () => {
    root = await ownedTempDir(user, "podhost-restore-");
    const checkout = await postsCheckout(join(root.path, "old-computer"), user);
    settings = await diasporaSettings(checkout.dir);
    repository = join(root.path, "usb-disk", "podhost-backups");
    oldPod = await serveManagedPod(settings, undefined, { PATH: `${checkout.fakeBin}:${process.env.PATH}` });
    await startPod(oldPod.dataDir);
    for (const text of ["first post", "a post with 'quotes' and ünïcödé", "third post"]) await addPost(oldPod.podPort, text);
    await writeUploads(join(checkout.dir, "public", "uploads", "images"), 12, 64 * 1024);
    passphrase = await setUpBackups(oldPod.dataDir, repository);
    original.posts = await readPosts(oldPod.podPort);
    original.uploads = await hashTree(join(checkout.dir, "public", "uploads"));
    original.config = await hashTree(join(checkout.dir, "config"));
    original.identity = await readFile(join(oldPod.dataDir, "pod", "identity.json"), "utf8");
    original.certs = await hashTree(join(oldPod.dataDir, "certs"));
  });
  afterAll(async () => {
    await newPod?.served.stop();
    await oldPod?.served.stop();
    await root?.cleanup();
  });

  it("backs up the running pod, printing progress, and restic lists the snapshot", async () => {
    const result = await podhost(oldPod.dataDir, ["backup", "now"]);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toMatch(/Backup saved: snapshot [0-9a-f]{8}/);
    expect(result.stderr).toMatch(/Backing up files/);
    const listed = resticAs(repository, passphrase, ["snapshots", "--json"]);
    expect(listed.code, listed.out).toBe(0);
    const [snapshot] = JSON.parse(listed.out) as Array<{ tags: string[] }>;
    expect(snapshot!.tags).toEqual(expect.arrayContaining(["podhost", "part:database", "part:uploads", "part:configuration", "part:podhost-state"]));
    // The passphrase is never shown back, logged or put in the status.
    const everything = `${JSON.stringify(await status(oldPod.dataDir))}${(await podhost(oldPod.dataDir, ["logs", "-n", "5000"])).stdout}${(await podhost(oldPod.dataDir, ["config", "get"])).stdout}`;
    expect(everything).not.toContain(passphrase);
    expect((await status(oldPod.dataDir)).backup.state).toBe("backed-up");
  });

  it("reuses the last dump while the database is unchanged, and dumps again after a new post", async () => {
    const before = (await dumpVerdicts(oldPod.dataDir)).length;
    expect((await podhost(oldPod.dataDir, ["backup", "now"])).code).toBe(0);
    expect((await dumpVerdicts(oldPod.dataDir)).slice(before)).toEqual(["reused"]);
    await addPost(oldPod.podPort, "written after the first backup");
    expect((await podhost(oldPod.dataDir, ["backup", "now"])).code).toBe(0);
    expect((await dumpVerdicts(oldPod.dataDir)).slice(before + 1)).toEqual(["dumped"]);
    original.posts = await readPosts(oldPod.podPort);
  });

  it("lists the backup with its date, size and what it holds", async () => {
    const result = await podhost(oldPod.dataDir, ["backup", "list", "--json"]);
    expect(result.code, result.stderr).toBe(0);
    const [snapshot] = JSON.parse(result.stdout) as Array<{ holds: string[]; totalBytes: number; time: string }>;
    expect(snapshot!.holds).toEqual(expect.arrayContaining(["database", "uploads", "pod configuration", "podhost's settings, keys and certificates"]));
    expect(snapshot!.totalBytes).toBeGreaterThan(12 * 64 * 1024);
  });

  it("the old computer dies: its data dir, database cluster and checkout are gone", async () => {
    await oldPod.served.stop();
    await rm(oldPod.dataDir, { recursive: true, force: true });
    await rm(join(root.path, "old-computer"), { recursive: true, force: true });
  });

  it("refuses a wrong passphrase with a clear error, and changes nothing", async () => {
    const fresh = await ownedTempDir(user, "podhost-new-");
    const checkout = await postsCheckout(join(root.path, "new-computer"), user);
    newPod = await serveManagedPod({ "proxy.httpsPort": settings["proxy.httpsPort"], "proxy.httpPort": settings["proxy.httpPort"] }, fresh.path, { PATH: `${checkout.fakeBin}:${process.env.PATH}` });
    const wrong = await podhostWithInput(newPod.dataDir, ["restore", "--repository", repository, "--pod-dir", checkout.dir], "not-the-passphrase-at-all\n");
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toMatch(/The passphrase does not open the backup repository/);
    expect(wrong.stderr).toMatch(/Enter the passphrase you wrote down/);
    expect((await podhost(newPod.dataDir, ["config", "get", "backup.repository"])).stdout.trim()).toBe("");
  });

  it("refuses a snapshot podhost did not make, before restoring anything, and changes nothing", async () => {
    const made = resticAs(repository, passphrase, ["backup", "--json", "--host", "someone-else", join(root.path, "new-computer")]);
    expect(made.code, made.out).toBe(0);
    giveTo(user, repository);
    const foreign = (made.out.trim().split("\n").map((line) => JSON.parse(line) as { message_type: string; snapshot_id?: string }).find((m) => m.message_type === "summary"))!.snapshot_id!;
    const refused = await podhostWithInput(newPod!.dataDir, ["restore", "--repository", repository, "--snapshot", foreign], `${passphrase}\n`);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(new RegExp(`Snapshot ${foreign.slice(0, 8)}\\w* was not made by podhost`));
    expect((await podhost(newPod!.dataDir, ["config", "get", "pod.dir"])).stdout.trim()).toBe("");
    resticAs(repository, passphrase, ["forget", foreign]);
    giveTo(user, repository);
  });

  it("restores into a fresh data dir and a new checkout, and the same pod starts: posts, files, identity and certificates", async () => {
    const podDir = join(root.path, "new-computer", "diaspora");
    const restored = await podhostWithInput(newPod!.dataDir, ["restore", "--repository", repository, "--pod-dir", podDir], `${passphrase}\n`);
    expect(restored.code, restored.stdout + restored.stderr).toBe(0);
    expect(restored.stdout).toMatch(/Restored snapshot/);
    expect((await podhost(newPod!.dataDir, ["config", "get", "pod.dir"])).stdout.trim()).toBe(podDir);
    const snapshot = await startPod(newPod!.dataDir);
    expect(snapshot.pod.lockedUrl).toBe("https://pod.example.test/");
    expect(await readPosts(Number(settings["pod.port"]))).toEqual(original.posts);
    expect(await hashTree(join(podDir, "public", "uploads"))).toEqual(original.uploads);
    const config = await hashTree(join(podDir, "config"));
    expect(config["initializers/secret_token.rb"]).toBe(original.config!["initializers/secret_token.rb"]);
    expect(config["diaspora.toml"]).toBe(original.config!["diaspora.toml"]);
    expect(await readFile(join(newPod!.dataDir, "pod", "identity.json"), "utf8")).toBe(original.identity);
    // The local CA and the served certificate are the old ones: devices that trusted the CA still do.
    expect(await hashTree(join(newPod!.dataDir, "certs"))).toEqual(original.certs);
  });

  it("refuses to restore over the running pod unless confirmed, and backs the pod up first when confirmed", async () => {
    const count = () => (JSON.parse(resticAs(repository, passphrase, ["snapshots", "--json"]).out) as unknown[]).length;
    const before = count();
    const refused = await podhost(newPod!.dataDir, ["restore"]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/The pod is running/);
    expect(count()).toBe(before);
    const confirmed = await podhost(newPod!.dataDir, ["restore", "--yes", "--snapshot", firstSnapshot()]);
    expect(confirmed.code, confirmed.stderr).toBe(0);
    expect(count()).toBe(before + 1);
    expect((await status(newPod!.dataDir)).pod.state).toBe("stopped");
  });

  it("backs up the old pod before its identity is reset", async () => {
    const count = () => (JSON.parse(resticAs(repository, passphrase, ["snapshots", "--json"]).out) as unknown[]).length;
    const before = count();
    await new ControlClient(newPod!.dataDir).call("pod.resetIdentity", {});
    expect(count()).toBe(before + 1);
    expect((await status(newPod!.dataDir)).pod.lockedUrl).toBeUndefined();
  });
});
