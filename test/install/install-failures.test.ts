import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { InstallJob, StepId } from "../../shared/install";
import { spawnPodhost } from "../helpers/podhost";
import { waitFor } from "../helpers/temp";
import { requireTool } from "../helpers/tools";
import { installWorld, stepLog, type InstallWorld } from "./world";

requireTool("initdb", ["/usr/lib/postgresql/15/bin/initdb"]);

const startedAt = (job: InstallJob | undefined, ids: StepId[]) => ids.map((id) => job?.steps.find((s) => s.id === id)?.startedAt);

describe("a failed install step stops there, says why in plain words, and a retry goes on from it", () => {
  let world: InstallWorld;

  beforeAll(async () => {
    world = await installWorld({ rubyVersion: "3.1.2" });
  });
  afterAll(async () => world?.cleanup());

  it("stops at the system check when ruby is not the version .ruby-version names, with the command that installs it", async () => {
    const run = await world.cli("pod", "install");
    expect(run.code).toBe(1);
    const { install } = await world.status();
    expect(install.state).toBe("failed");
    expect(install.job?.failure).toMatchObject({ step: "check", code: "system-missing" });
    const ruby = install.job?.check?.items.find((item) => item.id === "ruby");
    expect(ruby).toMatchObject({ ok: false, found: "Ruby 3.1.2", problem: "diaspora* needs Ruby 3.3, but ruby here is 3.1.2." });
    expect(ruby?.fix).toContain("rbenv install 3.3");
    expect(run.stderr).toContain("Ruby 3.3 (the release's .ruby-version)");
    // Nothing past the check ran.
    expect(install.job?.steps.filter((s) => s.state !== "pending").map((s) => s.id)).toEqual(["check"]);
    expect(existsSync(join(world.checkout, "config"))).toBe(false);
    // `podhost pod check` says the same, and fails.
    const check = await world.cli("pod", "check");
    expect(check.code, check.stdout + check.stderr).toBe(1);
    expect(check.stdout).toContain("✗ Ruby 3.3 (the release's .ruby-version): Ruby 3.1.2");
    expect(check.stdout).toContain("✓ git: git version");
  });

  it("stops at the gems when a native build misses its library, naming the package for this OS", async () => {
    await world.ruby.setVersion("3.3.6");
    await writeFile(join(world.faults, "missing-libpq"), "");
    const run = await world.cli("pod", "retry");
    expect(run.code).toBe(1);
    const { install } = await world.status();
    expect(install.job?.failure).toMatchObject({ step: "bundle", code: "gem-library-missing", message: "The gem pg 1.5.9 could not be built: the PostgreSQL client library (libpq) is missing on this computer." });
    expect(install.job?.failure?.fix).toContain("sudo apt install libpq-dev");
    // The full log stays, with the build's own words.
    expect(await stepLog(world, "install", "bundle")).toContain("Can't find the 'libpq-fe.h header");
    // What the failed step wrote is gone; the steps before it are done and stay done.
    expect(existsSync(join(world.checkout, "vendor", "bundle"))).toBe(false);
    expect(install.job?.steps.map((s) => s.state)).toEqual(["done", "done", "done", "failed", "pending", "pending"]);
  });

  it("stops at the migration when PostgreSQL refuses the pod's database user", async () => {
    const before = startedAt((await world.status()).install.job, ["check", "fetch", "configure"]);
    const database = join(world.checkout, "config", "database.yml");
    await writeFile(database, (await readFile(database, "utf8")).replace("username: diaspora", "username: mallory"));
    await rm(join(world.faults, "missing-libpq"));
    const run = await world.cli("pod", "retry");
    expect(run.code).toBe(1);
    const { install } = await world.status();
    expect(install.job?.failure).toMatchObject({ step: "migrate", code: "database-auth", message: 'PostgreSQL refused the pod\'s database user "mallory" (role "mallory" does not exist).' });
    // The retry started at the gems: the check, the fetch and the configuration were not redone.
    expect(startedAt(install.job, ["check", "fetch", "configure"])).toEqual(before);
    expect(run.stdout).not.toContain("[1/6]");
    expect(run.stdout).toContain("[4/6] Install the gems");
  });

  it("finishes from the migration once the database accepts the user", async () => {
    const before = startedAt((await world.status()).install.job, ["check", "fetch", "configure", "bundle"]);
    const database = join(world.checkout, "config", "database.yml");
    await writeFile(database, (await readFile(database, "utf8")).replace("username: mallory", "username: diaspora"));
    const run = await world.cli("pod", "retry");
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const { install } = await world.status();
    expect(install.state).toBe("done");
    expect(startedAt(install.job, ["check", "fetch", "configure", "bundle"])).toEqual(before);
    expect(run.stdout).toContain("[5/6] Create the database");
    expect(run.stdout).not.toContain("[4/6]");
  });
});

describe("a full disk, and cancelling a step", () => {
  let world: InstallWorld;
  let checkoutMount: string;

  beforeAll(async () => {
    // The checkout lives on a 1 MiB filesystem: the gems do not fit.
    world = await installWorld({
      beforeServe: async ({ dataDir }) => {
        checkoutMount = join(dataDir, "diaspora");
        await mkdir(checkoutMount, { recursive: true });
        execFileSync("mount", ["-t", "tmpfs", "-o", "size=1m,mode=0700", "tmpfs", checkoutMount]);
      },
    });
  });
  afterAll(async () => {
    await world?.served.stop();
    if (checkoutMount) spawnSync("umount", [checkoutMount]);
    await world?.cleanup();
  });

  it("waits for the pod's domain before writing the configuration, keeps Start pod from starting, and goes on by itself once it is set", async () => {
    expect((await world.cli("config", "set", "domain", "")).code).toBe(0);
    const run = await world.cli("pod", "install");
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("The install waits for the pod's domain");
    const { install } = await world.status();
    expect(install).toMatchObject({ state: "waiting", job: { waitingFor: "the pod's domain (the next setup step, or Settings > Domain & DNS)" } });
    expect(install.job?.steps.map((s) => s.state)).toEqual(["done", "done", "pending", "pending", "pending", "pending"]);
    const start = await world.cli("start");
    expect(start.code).toBe(1);
    expect(start.stderr).toContain("The pod cannot start while podhost is busy: Installing diaspora* v0.9.1.0: waiting for the pod's domain");
    expect((await world.cli("config", "set", "domain", "pod.example.test")).code).toBe(0);
  });

  it("stops at the gems with 'the disk is full' when they do not fit, and undoes what the step wrote", async () => {
    const install = await world.settled();
    expect(install.job?.failure).toMatchObject({ step: "bundle", code: "disk-full" });
    expect(install.job?.failure?.message).toContain(`the disk holding ${world.checkout} is full (no space left on the device).`);
    expect(existsSync(join(world.checkout, "vendor", "bundle"))).toBe(false);
  });

  it("cancels the running step: its processes are gone, what it wrote is undone, and Continue resumes there", async () => {
    execFileSync("mount", ["-o", "remount,size=64m", checkoutMount]);
    await writeFile(join(world.faults, "slow-gems"), "");
    const retry = spawnPodhost(world.dataDir, ["pod", "retry"]);
    await waitFor("the gems to be installing", async () => {
      const job = (await world.status()).install.job;
      return job?.state === "running" && job.current === "bundle" && job.outputTail.some((line) => line.startsWith("Installing rails"));
    }, 30_000, 50);
    expect(existsSync(join(world.checkout, ".bundle", "config"))).toBe(true);
    const cancel = await world.cli("pod", "cancel");
    expect(cancel.code, cancel.stderr).toBe(0);
    expect(await retry.exited).toBe(130);
    const { install } = await world.status();
    expect(install.state).toBe("cancelled");
    expect(install.job?.steps.find((s) => s.id === "bundle")?.state).toBe("cancelled");
    expect(spawnSync("pgrep", ["-f", join(world.checkout, "bin", "bundle")]).status, "no bundle process is left").toBe(1);
    expect(existsSync(join(world.checkout, ".bundle"))).toBe(false);
    expect(existsSync(join(world.checkout, "vendor", "bundle"))).toBe(false);

    await rm(join(world.faults, "slow-gems"));
    const resumed = await world.cli("pod", "retry");
    expect(resumed.code, resumed.stdout + resumed.stderr).toBe(0);
    expect(resumed.stdout).toContain("[4/6] Install the gems");
    expect((await world.status()).install.state).toBe("done");
  });
});
