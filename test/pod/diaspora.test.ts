import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { readFile, realpath, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { join } from "node:path";
import { parse } from "smol-toml";
import { tempDir } from "../helpers/temp";
import { LogBus } from "../../main/log";
import { createPodService, lockedSettings, type PodService } from "../../main/pod/index";
import { systemClock } from "../../main/service";
import { settingsSchema, type Settings } from "../../shared/settings";
import { fakeCheckout } from "./fake-checkout";
import { freePort, running, startRedis } from "./helpers";

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

let root: string;
let dataDir: string;
let checkout: Awaited<ReturnType<typeof fakeCheckout>>;
let redis: Awaited<ReturnType<typeof startRedis>>;
let podPort: number;

/** A TCP listener standing in for PostgreSQL: the check only needs a connection to open. */
async function fakeDatabase(): Promise<number> {
  const server: Server = createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return (server.address() as { port: number }).port;
}

beforeEach(async () => {
  const tmp = await tempDir("podhost-diaspora-");
  cleanups.push(tmp.cleanup);
  root = tmp.path;
  dataDir = join(root, "data");
  redis = await startRedis();
  cleanups.push(redis.stop);
  checkout = await fakeCheckout(root, { redisUrl: redis.url, dbPort: await fakeDatabase() });
  podPort = await freePort();
});

/** `externalHttpsPort` is the port the internet uses, which makes up the pod's URL. */
function settings(overrides: { domain?: string; externalHttpsPort?: number; pod?: Record<string, unknown> } = {}): Settings {
  return settingsSchema.parse({
    domain: overrides.domain ?? "pod.example.test",
    ports: { externalHttpsPort: overrides.externalHttpsPort ?? 8443 },
    pod: { profile: "diaspora", dir: checkout.dir, port: podPort, stopTimeoutMs: 2_000, ...overrides.pod },
  });
}

async function diasporaPod(env: NodeJS.ProcessEnv = { PATH: checkout.path }, s: Settings = settings()): Promise<PodService> {
  const service = createPodService({ ctx: { dataDir, log: new LogBus().logger("pod"), clock: systemClock }, env });
  await service.configure(s);
  cleanups.push(() => service.stop());
  return service;
}

const recorded = (name: string, what: "argv" | "cwd" | "env") => readFile(join(checkout.record, `${name}.${what}`), "utf8");

describe("diaspora* profile", () => {
  it("runs bin/puma -C config/puma.rb and bin/bundle exec sidekiq in the checkout with RAILS_ENV=production", async () => {
    const service = await diasporaPod();
    await service.start();
    const status = service.status();
    expect(status.problems).toBeUndefined();
    expect(status.state).toBe("running");
    expect(status.processes.map((p) => [p.name, p.state])).toEqual([["web", "running"], ["sidekiq", "running"]]);
    expect((await recorded("web", "argv")).split("\n").filter(Boolean)).toEqual([join(checkout.dir, "bin", "puma"), "-C", "config/puma.rb"]);
    expect((await recorded("sidekiq", "argv")).split("\n").filter(Boolean)).toEqual([join(checkout.dir, "bin", "bundle"), "exec", "sidekiq"]);
    for (const name of ["web", "sidekiq"]) {
      expect((await recorded(name, "cwd")).trim()).toBe(checkout.dir);
      const env = (await recorded(name, "env")).split("\n");
      expect(env).toContain("RAILS_ENV=production");
      expect(env).toContain("ENVIRONMENT_URL=https://pod.example.test:8443/");
      expect(env).toContain(`SERVER_LISTEN=tcp://127.0.0.1:${podPort}`);
      expect(env).toContain("ENVIRONMENT_REQUIRE_SSL=true");
    }
    // The stand-in redirects requests without X-Forwarded-Proto: https, so "running" proves the probe sends it.
    const answer = await fetch(`http://127.0.0.1:${podPort}/nodeinfo/2.1`, { headers: { "x-forwarded-proto": "https" } });
    expect(answer.status).toBe(200);
    const pids = status.processes.map((p) => p.pid!);
    await service.stop();
    expect(pids.some(running)).toBe(false);
  });

  it("writes the keys it owns into diaspora.toml, keeps everything else and its comments, and says what changed", async () => {
    const original = await readFile(join(checkout.dir, "config", "diaspora.toml"), "utf8");
    const service = await diasporaPod(undefined, settings({ externalHttpsPort: 443 }));
    await service.start();
    const text = await readFile(join(checkout.dir, "config", "diaspora.toml"), "utf8");
    const toml = parse(text) as { configuration: Record<string, Record<string, unknown>> };
    expect(toml.configuration.environment).toMatchObject({
      url: "https://pod.example.test/",
      certificate_authorities: "/etc/ssl/certs/ca-certificates.crt",
      require_ssl: true,
      redis: redis.url,
      sidekiq: { concurrency: 7 },
    });
    expect(toml.configuration.server).toEqual({ listen: `tcp://127.0.0.1:${podPort}` });
    expect(toml.configuration.settings).toEqual({ pod_name: "Our little pod" });
    // Every original line is still there, in order: only new lines were added.
    const lines = text.split("\n");
    let at = 0;
    for (const line of original.split("\n")) {
      at = lines.indexOf(line, at);
      expect(at, `line kept: ${line}`).toBeGreaterThanOrEqual(0);
    }
    expect(lines.length - original.split("\n").length).toBe(4);
    expect(service.status().configChanges).toEqual([
      { key: "configuration.environment.url", to: "https://pod.example.test/" },
      { key: "configuration.environment.certificate_authorities", to: "/etc/ssl/certs/ca-certificates.crt" },
      { key: "configuration.environment.require_ssl", to: "true" },
      { key: "configuration.server.listen", to: `tcp://127.0.0.1:${podPort}` },
    ]);
    // A second start finds nothing to change.
    await service.restart();
    expect(service.status().configChanges).toEqual([]);
    expect(await readFile(join(checkout.dir, "config", "diaspora.toml"), "utf8")).toBe(text);
  });

  type Breakage = [what: string, breakIt: () => Promise<unknown>, code: string, words: RegExp, env?: () => NodeJS.ProcessEnv];
  const breakages: Breakage[] = [
    ["the folder is not a diaspora* checkout", () => rm(join(checkout.dir, "Gemfile")), "pod-dir-not-diaspora", /does not look like a diaspora\* checkout: it has no Gemfile/],
    ["Ruby is missing", async () => {}, "ruby-missing", /Ruby is not installed/, () => ({ PATH: "/usr/bin:/bin" })],
    ["Bundler is missing", () => rm(join(checkout.fakeBin, "bundle")), "bundler-missing", /Bundler \(the `bundle` command\) is not installed/],
    ["Redis does not answer", () => redis.stop(), "redis-unreachable", /Redis does not answer at 127\.0\.0\.1:\d+: nothing is listening there/],
    ["the database refuses connections", async () => {
      const yml = join(checkout.dir, "config", "database.yml");
      await writeFile(yml, (await readFile(yml, "utf8")).replace(/port: \d+/, `port: ${await freePort()}`));
    }, "database-unreachable", /The database \(PostgreSQL at 127\.0\.0\.1:\d+, from config\/database\.yml\) does not accept connections/],
    ["config/database.yml is missing", () => rm(join(checkout.dir, "config", "database.yml")), "database-config-missing", /config\/database\.yml is missing/],
    ["assets are not precompiled", () => rm(join(checkout.dir, "public", "assets"), { recursive: true }), "assets-missing", /public\/assets is missing/],
  ];
  for (const [what, breakIt, code, words, env] of breakages) {
    it(`explains in plain words, with a fix, when ${what}`, async () => {
      await breakIt();
      const service = await diasporaPod(env?.());
      await service.start();
      const status = service.status();
      expect(status.state).toBe("stopped");
      expect(status.processes).toEqual([]);
      const problem = status.problems!.find((p) => p.code === code);
      expect(problem, JSON.stringify(status.problems)).toBeDefined();
      expect(problem!.message).toMatch(words);
      expect(problem!.fix!.length).toBeGreaterThan(20);
      expect(status.problems!.map((p) => p.code)).toEqual([code]);
    });
  }

  it("checks the prerequisites without starting or writing anything (the setup's pod step)", async () => {
    await redis.stop();
    const toml = join(checkout.dir, "config", "diaspora.toml");
    const before = await readFile(toml, "utf8").catch(() => undefined);
    const service = await diasporaPod();
    const check = await service.check();
    expect(check.problems.map((p) => p.code)).toEqual(["redis-unreachable"]);
    expect(service.status().processes).toEqual([]);
    expect(await readFile(toml, "utf8").catch(() => undefined)).toBe(before);
  });

  it("asks for the domain before the first start", async () => {
    const service = await diasporaPod(undefined, settings({ domain: "" }));
    await service.start();
    expect(service.status().problems).toEqual([expect.objectContaining({ code: "domain-unset", field: "domain" })]);
  });

  it("locks the public URL after the first successful start, and the reset flow unlocks it", async () => {
    expect(lockedSettings(dataDir)).toEqual({});
    const service = await diasporaPod();
    await service.start();
    expect(service.status().state).toBe("running");
    expect(service.status().lockedUrl).toBe("https://pod.example.test:8443/");
    const locked = lockedSettings(dataDir);
    expect(Object.keys(locked).sort()).toEqual(["domain", "ports.externalHttpsPort"]);
    expect(locked.domain).toMatch(/https:\/\/pod\.example\.test:8443\/ .*can never change/);
    await expect(service.resetIdentity()).rejects.toThrow(/cannot be reset while the pod runs/);
    await service.stop();

    await service.configure(settings({ domain: "other.example.test" }));
    await service.start();
    expect(service.status()).toMatchObject({ state: "stopped", problems: [{ code: "url-locked", field: "domain" }] });
    expect(service.status().message).toContain("https://other.example.test:8443/");
    const toml = await readFile(join(checkout.dir, "config", "diaspora.toml"), "utf8");
    expect(toml).not.toContain("other.example.test");

    await service.resetIdentity();
    expect(lockedSettings(dataDir)).toEqual({});
    await service.start();
    expect(service.status().state).toBe("running");
    expect(service.status().lockedUrl).toBe("https://other.example.test:8443/");
  });

  it("runs a managed redis-server on 127.0.0.1 with its data in the data dir, first in the start order", async () => {
    await redis.stop();
    const service = await diasporaPod(undefined, settings({ pod: { managedRedis: true } }));
    await service.start();
    const status = service.status();
    expect(status.problems).toBeUndefined();
    expect(status.processes.map((p) => p.name)).toEqual(["redis", "web", "sidekiq"]);
    const redisPid = status.processes[0]!.pid!;
    const cmdline = (await readFile(`/proc/${redisPid}/cmdline`, "utf8")).split("\0");
    expect(cmdline.join(" ")).toContain(`127.0.0.1:${redis.port}`);
    expect(await realpath(`/proc/${redisPid}/cwd`)).toBe(await realpath(join(dataDir, "redis")));
    await service.stop();
    expect(running(redisPid)).toBe(false);
  });
});
