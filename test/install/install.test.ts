import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { parse } from "smol-toml";
import { fetchAnswer } from "../../main/webserver/fetch";
import type { CliResult } from "../helpers/podhost";
import { requireTool } from "../helpers/tools";
import { installWorld, type InstallWorld } from "./world";

requireTool("initdb", ["/usr/lib/postgresql/15/bin/initdb"]);

describe("podhost pod install: from nothing to a running diaspora*", () => {
  let world: InstallWorld;
  let install: CliResult;

  beforeAll(async () => {
    world = await installWorld();
    install = await world.cli("pod", "install");
  });
  afterAll(async () => world?.cleanup());

  it("shows the plan first, then each step with its progress, and ends ready for Start pod", () => {
    expect(install.code, install.stdout + install.stderr).toBe(0);
    const out = install.stdout;
    expect(out).toMatch(/Install diaspora\* v0\.9\.1\.0 into .*\/data\/diaspora/);
    expect(out).toMatch(/Needs about 1\.5 GB of disk \(\d+\.\d GB free\) and usually about \d+ min/);
    expect(out).toContain("stand-ins for Ruby, Bundler and rake");
    const order = ["[1/6] Check this computer", "[2/6] Get diaspora*", "[3/6] Write the configuration", "[4/6] Install the gems", "[5/6] Create the database", "[6/6] Build stylesheets and scripts"];
    const positions = order.map((line) => out.indexOf(line));
    expect(positions.every((p) => p >= 0), out).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    // The stand-ins' own output streams through, as the real bundler's and rake's would.
    expect(out).toContain("Installing pg 1.5.9 with native extensions");
    expect(out).toMatch(/== 20230101000001 CreateUsers: migrated/);
    expect(out).toContain("is installed in");
  });

  it("installs the newest stable release (not the release candidate) with git, at its tag", async () => {
    const status = await world.status();
    expect(status.install.state).toBe("done");
    expect(status.install.job?.version).toBe("v0.9.1.0");
    expect(status.install.releases.installed).toBe("v0.9.1.0");
    expect((await readFile(join(world.checkout, "VERSION"), "utf8")).trim()).toBe("0.9.1.0");
    expect(existsSync(join(world.checkout, ".git"))).toBe(true);
  });

  it("writes diaspora.toml from the example with the pod's address and port, keeping its comments, and database.yml for podhost's PostgreSQL", async () => {
    const text = await readFile(join(world.checkout, "config", "diaspora.toml"), "utf8");
    expect(text).toContain("## DO NOT CHANGE THIS AFTER INITIAL SETUP!");
    const toml = parse(text) as { configuration: { environment: Record<string, unknown>; server: Record<string, unknown> } };
    expect(toml.configuration.environment).toMatchObject({ url: `https://pod.example.test:${world.settings["proxy.httpsPort"]}/`, require_ssl: true, certificate_authorities: "/etc/ssl/certs/ca-certificates.crt" });
    expect(toml.configuration.server).toMatchObject({ listen: `tcp://127.0.0.1:${world.settings["pod.port"]}`, rails_environment: "production", sidekiq_workers: 1 });
    const database = await readFile(join(world.checkout, "config", "database.yml"), "utf8");
    expect(database).toContain(`host: "${join(world.dataDir, "postgres", "run")}"`);
    expect(await readFile(join(world.checkout, ".bundle", "config"), "utf8")).toBe('---\nBUNDLE_DEPLOYMENT: "true"\nBUNDLE_WITHOUT: "development:test:mysql"\n');
    expect(existsSync(join(world.checkout, "public", "assets", ".sprockets-manifest.json"))).toBe(true);
  });

  it("hands over to Start pod: the pod runs from the checkout and answers through the proxy, reading its database", async () => {
    const settings = JSON.parse((await world.cli("config", "get", "pod")).stdout) as Record<string, unknown>;
    expect(settings).toMatchObject({ profile: "diaspora", dir: world.checkout, managedPostgres: true, managedRedis: true });
    const started = await world.cli("start");
    expect(started.code, started.stdout + started.stderr).toBe(0);
    const status = await world.status();
    expect(status.pod.state, status.pod.message).toBe("running");
    expect(status.pod.processes.map((p) => p.name)).toEqual(expect.arrayContaining(["postgres", "web", "sidekiq"]));
    world.sql("INSERT INTO users (username) VALUES ('alice'), ('bob')");
    const answer = await fetchAnswer(new URL(`https://pod.example.test:${world.settings["proxy.httpsPort"]}/nodeinfo/2.1`), { connectTo: "127.0.0.1", insecure: true });
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toMatchObject({ software: { name: "diaspora", version: "0.9.1.0" }, usage: { users: { total: 2 } } });
    // The migration made real tables in the real PostgreSQL, recorded as Rails records them.
    expect(world.sql("SELECT count(*) FROM schema_migrations")).toBe("3");
  });
});
