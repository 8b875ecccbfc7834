import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fetchAnswer } from "../../main/webserver/fetch";
import { requireTool } from "../helpers/tools";
import { installWorld, type InstallWorld } from "./world";

requireTool("initdb", ["/usr/lib/postgresql/15/bin/initdb"]);

describe("podhost pod upgrade", () => {
  let world: InstallWorld;

  /** Every table of the pod: its row count and a checksum of its rows. */
  const fingerprint = () => {
    const tables = world.sql("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename").split("\n");
    return Object.fromEntries(tables.map((table) => [table, world.sql(`SELECT count(*) || ' ' || md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM "${table}" t`)]));
  };
  const nodeinfo = async () => {
    const answer = await fetchAnswer(new URL(`https://pod.example.test:${world.settings["proxy.httpsPort"]}/nodeinfo/2.1`), { connectTo: "127.0.0.1", insecure: true });
    return JSON.parse(answer.body) as { software: { version: string }; usage: { users: { total: number } } };
  };
  const checkedOut = () => execFileSync("git", ["-c", "safe.directory=*", "-C", world.checkout, "describe", "--tags", "--exact-match"], { encoding: "utf8" }).trim();

  beforeAll(async () => {
    world = await installWorld({ withBrokenRelease: true });
    const install = await world.cli("pod", "install", "--version", "v0.9.0.0");
    expect(install.code, install.stdout + install.stderr).toBe(0);
    const start = await world.cli("start");
    expect(start.code, start.stdout + start.stderr).toBe(0);
    world.sql("INSERT INTO users (username) VALUES ('alice'), ('bob'), ('carol')");
    world.sql("INSERT INTO posts (author_id, text) SELECT id, 'hello from ' || username FROM users");
  }, 120_000);
  afterAll(async () => world?.cleanup());

  it("moves a running pod to a newer release and keeps its data", async () => {
    expect((await nodeinfo()).software.version).toBe("0.9.0.0");
    const before = world.sql("SELECT string_agg(text, ',' ORDER BY id) FROM posts");
    const run = await world.cli("pod", "upgrade", "--to", "v0.9.1.0");
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toMatch(/Upgrade diaspora\* v0\.9\.0\.0 to v0\.9\.1\.0/);
    for (const step of ["[1/9] Back up", "[2/9] Stop the pod", "[3/9] Save the database", "[4/9] Get diaspora*", "[6/9] Create the database", "[8/9] Start the pod", "[9/9] Check the pod answers"]) expect(run.stdout).toContain(step);
    // Backups are not set up here: the step says so instead of claiming a backup.
    expect(run.stdout).toContain("Backups are not set up, so no backup was made");
    const status = await world.status();
    expect(status.install).toMatchObject({ state: "done", releases: { installed: "v0.9.1.0" } });
    expect(status.pod.state).toBe("running");
    expect(checkedOut()).toBe("v0.9.1.0");
    expect(await nodeinfo()).toMatchObject({ software: { version: "0.9.1.0" }, usage: { users: { total: 3 } } });
    expect(world.sql("SELECT string_agg(text, ',' ORDER BY id) FROM posts")).toBe(before);
    expect(world.sql("SELECT count(*) FROM likes")).toBe("0");
  });

  it("backs up first with podhost's backups, then goes back to the previous release and the pre-upgrade data when a migration fails", async () => {
    const setup = await world.cli("backup", "setup", "--repository", join(world.root, "backups"));
    expect(setup.code, setup.stdout + setup.stderr).toBe(0);
    const before = fingerprint();
    const run = await world.cli("pod", "upgrade", "--to", "v0.9.2.0");
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/Backed up: snapshot [0-9a-f]{8}\./);
    const snapshots = JSON.parse((await world.cli("backup", "list", "--json")).stdout) as unknown[];
    expect(snapshots).toHaveLength(1);
    expect(run.stderr).toContain('column "guid" of relation "users" contains null values');
    const status = await world.status();
    expect(status.install.state).toBe("failed");
    expect(status.install.job?.failure).toMatchObject({ step: "migrate" });
    expect(status.install.job?.failure?.rolledBack).toMatch(/^podhost went back: the checkout is back at v0\.9\.1\.0; the database is as it was at .*; the pod runs again\.$/);
    expect(status.install.message).toContain("The upgrade to diaspora* v0.9.2.0 failed");
    // The failed release's first migration had changed every post; all of it is undone.
    expect(fingerprint()).toEqual(before);
    expect(world.sql("SELECT count(*) FROM information_schema.columns WHERE table_name = 'posts' AND column_name = 'comments_count'")).toBe("0");
    expect(checkedOut()).toBe("v0.9.1.0");
    expect(JSON.parse(await readFile(join(world.checkout, "public", "assets", ".sprockets-manifest.json"), "utf8"))).toMatchObject({ version: "0.9.1.0" });
    expect(status.pod.state).toBe("running");
    expect(await nodeinfo()).toMatchObject({ software: { version: "0.9.1.0" }, usage: { users: { total: 3 } } });
    expect(status.install.releases.installed).toBe("v0.9.1.0");
  });
});
