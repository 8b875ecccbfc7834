import { afterEach, describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { chmod, chown, mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { dataPaths } from "../../main/store/paths";
import type { StatusSnapshot } from "../../shared/status";
import { podhost, servePodhost } from "../helpers/podhost";
import { freePort } from "../helpers/ports";
import { tempDir, waitFor } from "../helpers/temp";
import { checkSettingsLedger } from "../helpers/settings-ledger";
import { mountTmpfs } from "./fault-helpers";

const cli = fileURLToPath(new URL("../../bin/podhost.js", import.meta.url));
const standIn = fileURLToPath(new URL("../fixtures/stand-in-pod/server.mjs", import.meta.url));
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function dataDir() {
  const dir = await tempDir();
  cleanups.push(dir.cleanup);
  return dir.path;
}

const stackTrace = /^\s+at .+[:(]/m;
const status = async (dir: string) => JSON.parse((await podhost(dir, ["status", "--json"])).stdout) as StatusSnapshot;

describe("a data dir podhost may not write", () => {
  it("on a read-only file system: start names the path and what to do, without a stack trace, and a save loses nothing", async () => {
    const dir = await dataDir();
    const mount = await mountTmpfs(dir, "1m");
    cleanups.push(async () => {
      checkSettingsLedger(dir); // while the settings file is still there
      await mount.unmount();
    });
    expect((await podhost(dir, ["config", "set", "domain", "pod.example.org"])).code).toBe(0);
    const before = await readFile(dataPaths(dir).settings, "utf8");
    await mount.remount("ro");

    const started = await podhost(dir, ["serve", "--ui-port", "0"]);
    expect(started.code).toBe(1);
    expect(started.stderr).toContain(`podhost cannot write ${dir}: the file system it is on is read-only`);
    expect(started.stderr).toMatch(/Make .* writable for .*or run podhost with --data-dir/);
    expect(started.stderr).not.toMatch(stackTrace);

    const saved = await podhost(dir, ["config", "set", "proxy.httpsPort", "9443"]);
    expect(saved.code).toBe(1);
    expect(saved.stderr).toMatch(/podhost cannot write .*read-only\. Nothing was changed\./);
    expect(saved.stderr).not.toMatch(stackTrace);
    expect(await readFile(dataPaths(dir).settings, "utf8")).toBe(before);
  });

  it("run as a user who may not write it: a save through the running daemon says which path and what to do, and the daemon keeps serving", async () => {
    const dir = await dataDir();
    await chown(dir, 65534, 65534); // nobody:nogroup
    const daemon = spawn("setpriv", ["--reuid=nobody", "--regid=nogroup", "--clear-groups", process.execPath, cli, "--data-dir", dir, "serve", "--ui-port", "0"], { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    daemon.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    daemon.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise((resolve) => daemon.once("exit", resolve));
    cleanups.push(async () => {
      daemon.kill("SIGTERM");
      await exited;
    });
    await waitFor("the daemon's UI address", () => output.includes("podhost UI:"), 30_000);
    expect((await podhost(dir, ["config", "set", "domain", "pod.example.org"])).code).toBe(0);
    const before = await readFile(dataPaths(dir).settings, "utf8");

    await chmod(dir, 0o500);
    cleanups.push(() => chmod(dir, 0o700));
    const refused = await podhost(dir, ["config", "set", "proxy.httpsPort", "9443"]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(new RegExp(`podhost cannot write ${dir}/\\S+: the user podhost runs as \\(nobody\\) may not write there\\. Nothing was changed\\. Make ${dir} writable for nobody`));
    expect(refused.stderr).not.toMatch(/unexpected error/);
    expect(await readFile(dataPaths(dir).settings, "utf8")).toBe(before);
    expect((await status(dir)).daemon.pid).toBe(daemon.pid);
  });
});

describe("a full disk under the logs", () => {
  it("is reported in status while the daemon, the proxy and the pod keep running", async () => {
    const dir = await dataDir();
    const ports = { pod: await freePort(), https: await freePort(), http: await freePort() };
    for (const [key, value] of [
      ["pod.profile", "custom"],
      ["pod.command", process.execPath],
      ["pod.args", JSON.stringify([standIn, "--port", String(ports.pod)])],
      ["pod.port", String(ports.pod)],
      ["proxy.httpsPort", String(ports.https)],
      ["proxy.httpPort", String(ports.http)],
    ]) {
      expect((await podhost(dir, ["config", "set", key!, value!])).code).toBe(0);
    }
    const logs = dataPaths(dir).logs;
    await mkdir(logs);
    const mount = await mountTmpfs(logs, "256k");
    cleanups.push(() => mount.unmount());
    const served = await servePodhost(dir);
    cleanups.push(() => served.stop());
    expect((await podhost(dir, ["start"])).code).toBe(0);
    await waitFor("the pod to run", async () => (await status(dir)).pod.state === "running", 30_000);

    // Fill the file system, and the free tail of the page the daemon's log already has.
    for (const [file, flag] of [["filler", "w"], ["daemon.log", "a"]] as const) {
      const full = await writeFile(join(logs, file), `${"x".repeat(1023)}\n`.repeat(1024), { flag }).catch((error: NodeJS.ErrnoException) => error.code);
      expect(full).toBe("ENOSPC");
    }
    for (const value of ["false", "true", "false", "true"]) expect((await podhost(dir, ["config", "set", "dns.ipv6", value])).code).toBe(0);

    const snapshot = await waitFor("the full disk in status", async () => {
      const now = await status(dir);
      return now.daemon.logProblem?.message.includes("the disk is full") && now;
    });
    expect(snapshot.daemon.logProblem!.message).toContain(join(logs, "daemon.log"));
    expect(snapshot.pod.state).toBe("running");
    expect(snapshot.proxy.state).toBe("running");
    expect((await podhost(dir, ["status"])).stdout).toMatch(/! Log lines cannot be written to .*the disk is full/);
    expect(served.child.exitCode).toBeNull();
  });
});
