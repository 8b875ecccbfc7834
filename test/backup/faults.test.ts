import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { mkdir, readdir } from "node:fs/promises";
import { join } from "node:path";
import { ControlClient } from "../../main/cli/client";
import { managedPodSettings, serveManagedPod, type ManagedPod } from "../helpers/managed-pod";
import { podhost, servePodhost } from "../helpers/podhost";
import { freePort } from "../helpers/ports";
import { waitFor } from "../helpers/temp";
import { giveTo, ownedTempDir, testUser } from "../helpers/unprivileged";
import { backupProgressed, killDaemonHard, reaped, rclone, restic, resticAs, resticEnv, setUpBackups, startPod, status, writeUploads } from "./helpers";

/**
 * What goes wrong with backups at home: podhost killed halfway, a full USB disk, a backup
 * server that goes away mid-upload. Each time the repository must stay consistent (restic's
 * own check, run by the test, is the judge) and the next backup must work.
 */
const user = testUser();
let root: { path: string; cleanup: () => Promise<void> };
let pod: ManagedPod;
let uploads: string;

beforeAll(async () => {
  root = await ownedTempDir(user, "podhost-faults-");
  uploads = join(root.path, "uploads");
  await writeUploads(uploads, 4, 256 * 1024);
  giveTo(user, uploads);
  pod = await serveManagedPod({ ...(await managedPodSettings()), "backup.paths": [uploads] });
  await startPod(pod.dataDir);
});
afterAll(async () => {
  await pod?.served.stop();
  await root?.cleanup();
});

const passphrases = new Map<ManagedPod, string>();
const passphraseOf = (of: ManagedPod) => passphrases.get(of)!;

/** `backup now` through the API, not awaited: the test interrupts it. */
function backupInBackground(dataDir: string): Promise<unknown> {
  return new ControlClient(dataDir).call("backup.now", {}).catch((error: unknown) => error);
}

describe("podhost killed in the middle of a backup", () => {
  const repository = () => join(root.path, "killed-repo");
  let passphrase: string;

  it("leaves a stale lock that the next backup removes; the backup succeeds and restic check passes", async () => {
    passphrase = await setUpBackups(pod.dataDir, repository());
    await writeUploads(join(uploads, "big"), 12, 16 * 1024 * 1024, "video");
    giveTo(user, uploads);
    void backupInBackground(pod.dataDir);
    await backupProgressed(pod.dataDir, 1);
    const killed = killDaemonHard(pod.served.child.pid!);
    expect(killed.length, "the daemon and its restic").toBe(2);
    await waitFor("the killed daemon and restic to be reaped", () => reaped(killed));
    const locks = resticAs(repository(), passphrase, ["list", "locks", "--no-lock"]);
    expect(locks.out.trim().split("\n").filter(Boolean).length, "a lock left by the killed restic").toBeGreaterThan(0);

    pod.served = await servePodhost(pod.dataDir, { HOME: pod.dataDir }, user);
    const again = await podhost(pod.dataDir, ["backup", "now"]);
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expect(resticAs(repository(), passphrase, ["list", "locks", "--no-lock"]).out.trim(), execFileSync("ps", ["-eo", "pid,ppid,stat,etime,user,comm"], { encoding: "utf8" }).split("\n").filter((l) => /restic|PID/.test(l)).join("\n")).toBe("");
    const check = resticAs(repository(), passphrase, ["check", "--read-data"]);
    expect(check.code, check.out).toBe(0);
    expect(check.out).toMatch(/no errors were found/);
  });

  it("leaves an exclusive lock when killed during a check; the next backup removes it and succeeds", async () => {
    void new ControlClient(pod.dataDir).call("backup.check", { readPercent: 100 }).catch((error: unknown) => error);
    await waitFor("the check to hold its lock", async () => (await readdir(join(repository(), "locks"))).length > 0, 30_000);
    const killed = killDaemonHard(pod.served.child.pid!);
    expect(killed.length, "the daemon and its restic").toBe(2);
    await waitFor("the killed daemon and restic to be reaped", () => reaped(killed));
    expect(resticAs(repository(), passphrase, ["backup", "--host", "someone", uploads]).out).toMatch(/locked exclusively/);

    pod.served = await servePodhost(pod.dataDir, { HOME: pod.dataDir }, user);
    const again = await podhost(pod.dataDir, ["backup", "now"]);
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expect(resticAs(repository(), passphrase, ["list", "locks", "--no-lock"]).out.trim()).toBe("");
  });

  it("removes a stale exclusive lock another restic left (the owner's own, killed) when it is in the way, and backs up", async () => {
    const other = spawn(restic, ["check", "--read-data", "--no-cache"], { env: resticEnv(repository(), passphrase), uid: user.uid, gid: user.gid, stdio: ["ignore", "pipe", "pipe"] });
    let said = "";
    for (const stream of [other.stdout!, other.stderr!]) stream.on("data", (chunk: Buffer) => (said += chunk.toString()));
    // Past "create exclusive lock": the lock file is whole (a file seen in locks/ may still be being written).
    await waitFor("the other restic to hold its lock", () => /load indexes/.test(said), 30_000);
    other.kill("SIGKILL");
    await waitFor("the other restic to be reaped", () => other.exitCode !== null || other.signalCode !== null);
    expect(resticAs(repository(), passphrase, ["backup", "--host", "someone", uploads]).out).toMatch(/locked exclusively/);

    const again = await podhost(pod.dataDir, ["backup", "now"]);
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expect(resticAs(repository(), passphrase, ["list", "locks", "--no-lock"]).out.trim()).toBe("");
  });
});

describe("a full backup disk", () => {
  let mountPoint: string;
  beforeAll(async () => {
    mountPoint = join(root.path, "small-usb-disk");
    await mkdir(mountPoint);
    execFileSync("mount", ["-t", "tmpfs", "-o", `size=48m,uid=${user.uid},gid=${user.gid},mode=0700`, "podhost-test-full", mountPoint]);
  });
  afterAll(() => {
    execFileSync("umount", [mountPoint]);
  });

  it('says "backup disk full", keeps the last good backup, and the repository stays sound', async () => {
    const repository = join(mountPoint, "repo");
    const passphrase = await setUpBackups(pod.dataDir, repository);
    await writeUploads(join(uploads, "big"), 0, 0);
    execFileSync("rm", ["-rf", join(uploads, "big")]);
    const first = await podhost(pod.dataDir, ["backup", "now"]);
    expect(first.code, first.stderr).toBe(0);
    await writeUploads(join(uploads, "big"), 8, 8 * 1024 * 1024, "video");
    giveTo(user, uploads);
    const full = await podhost(pod.dataDir, ["backup", "now"]);
    expect(full.code).not.toBe(0);
    expect(full.stderr).toMatch(/The backup disk is full/);
    expect(full.stderr).toMatch(/Free space on the backup disk/);
    const backup = (await status(pod.dataDir)).backup;
    expect(backup.state).toBe("failed");
    expect(backup.lastFailure?.error.code).toBe("backup-disk-full");
    const snapshots = JSON.parse(resticAs(repository, passphrase, ["snapshots", "--json"]).out) as unknown[];
    expect(snapshots).toHaveLength(1);
    const check = resticAs(repository, passphrase, ["check", "--read-data"]);
    expect(check.code, check.out).toBe(0);
    execFileSync("rm", ["-rf", join(uploads, "big")]);
  });
});

describe("a remote repository over rclone serve restic on loopback", () => {
  let server: ChildProcess | undefined;
  let port: number;
  let storage: string;
  const serve = async () => {
    server = spawn(rclone, ["serve", "restic", "--addr", `127.0.0.1:${port}`, storage], { stdio: ["ignore", "pipe", "pipe"] });
    await waitFor("rclone to listen", async () => (await fetch(`http://127.0.0.1:${port}/`, { method: "HEAD" }).then(() => true, () => false)) || undefined);
  };
  const stopServer = async () => {
    const child = server;
    server = undefined;
    if (!child || child.exitCode !== null) return;
    const gone = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGKILL");
    await gone;
  };
  beforeAll(async () => {
    port = await freePort();
    storage = join(root.path, "rclone-storage");
    await mkdir(storage);
    await serve();
  });
  afterAll(stopServer);

  it("backs up over the network, and restic reads it back", async () => {
    const repository = `rest:http://127.0.0.1:${port}/pod`;
    const passphrase = await setUpBackups(pod.dataDir, repository);
    passphrases.set(pod, passphrase);
    const result = await podhost(pod.dataDir, ["backup", "now"]);
    expect(result.code, result.stderr).toBe(0);
    expect(resticAs(repository, passphrase, ["check", "--read-data"]).code).toBe(0);
  });

  it("says so while the server is gone mid-upload and restic retries; the backup completes once it is back", async () => {
    await writeUploads(join(uploads, "big"), 6, 16 * 1024 * 1024, "video");
    giveTo(user, uploads);
    const running = backupInBackground(pod.dataDir);
    await backupProgressed(pod.dataDir, 1);
    await stopServer();
    await waitFor("the status to say the repository is not answering", async () => /not answering; retrying/.test((await status(pod.dataDir)).backup.progress?.phase ?? ""), 60_000);
    await serve();
    const record = (await running) as { snapshotId?: string };
    expect(record.snapshotId).toMatch(/^[0-9a-f]{8,64}$/);
    const check = await podhost(pod.dataDir, ["backup", "check", "--read-percent", "100"]);
    expect(check.code, check.stderr).toBe(0);
    expect(check.stdout).toMatch(/intact/);
  });

  it("a cancel while the server is gone leaves the repository consistent, and the next backup works", async () => {
    const repository = `rest:http://127.0.0.1:${port}/pod`;
    await writeUploads(join(uploads, "big"), 6, 16 * 1024 * 1024, "clip");
    giveTo(user, uploads);
    const running = backupInBackground(pod.dataDir);
    await backupProgressed(pod.dataDir, 1);
    await stopServer();
    await waitFor("restic to retry", async () => /not answering/.test((await status(pod.dataDir)).backup.progress?.phase ?? ""), 60_000);
    const cancelled = await podhost(pod.dataDir, ["backup", "cancel"]);
    expect(cancelled.code, cancelled.stderr).toBe(0);
    expect(((await running) as Error).message).toMatch(/cancelled/);
    await serve();
    const again = await podhost(pod.dataDir, ["backup", "now"]);
    expect(again.code, again.stderr).toBe(0);
    expect(resticAs(repository, passphraseOf(pod), ["check", "--read-data"]).code).toBe(0);
  });
});
