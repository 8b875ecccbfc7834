import { existsSync } from "node:fs";
import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { UserError } from "../../../shared/errors";
import type { StepId } from "../../../shared/install";
import { podUrl } from "../../../shared/settings";
import { output } from "./commands";
import { checkoutCommand, fetchCommands, hasTag, localChanges, readAtTag } from "./git";
import { entriesOf } from "./job";
import type { StepContext, StepDefinition } from "./step-context";
import { Waiting } from "./step-context";
import { checkSystem } from "./system-check";

/**
 * Step 1: the system check; it reads the release's .ruby-version, so it fetches the release's git
 * objects first (kept when the check fails, so Check again does not download them again).
 */
const check: StepDefinition = {
  keepOnFailure: true,
  async run(ctx) {
    const { job, env } = ctx;
    const gitThere = (await output("git", ["--version"], { env })).ok;
    if (gitThere && !(await hasTag(job.dir, job.version, env))) await fetchRelease(ctx);
    const rubyVersion = gitThere ? await readAtTag(job.dir, job.version, ".ruby-version", env) : undefined;
    const result = await checkSystem({ env, cwd: existsSync(job.dir) ? job.dir : ctx.dataDir, ...(rubyVersion ? { rubyVersion } : {}) });
    job.check = result;
    await ctx.persist();
    for (const item of result.items) ctx.say(`${item.ok ? "found" : "MISSING"} ${item.label}${item.found ? `: ${item.found}` : ""}${item.ok ? "" : ` (${item.fix})`}`);
    if (!result.supported) throw new UserError({ code: "os-unsupported", message: "diaspora* does not run on Windows.", fix: result.items[0]!.fix! });
    const missing = result.items.filter((item) => !item.ok);
    if (missing.length > 0) {
      throw new UserError({
        code: "system-missing",
        message: `${missing.length === 1 ? "One thing" : `${missing.length} things`} diaspora* needs ${missing.length === 1 ? "is" : "are"} missing on this computer: ${missing.map((item) => item.label).join("; ")}.`,
        fix: `Run the command shown for each (${missing.map((item) => item.fix).join("; ")}), then press Check again.`,
      });
    }
  },
};

/** `git init` (a new folder is undone on cancel) and a shallow fetch of the release's tag. */
async function fetchRelease(ctx: StepContext): Promise<void> {
  const { job } = ctx;
  if (!existsSync(job.dir)) {
    await ctx.journal(job.dir);
    await mkdir(job.dir, { recursive: true, mode: 0o700 });
  }
  for (const [command, args] of fetchCommands(job.dir, job.repository, job.version)) await ctx.exec(command, args, { cwd: ctx.dataDir });
}

/** Step 2: the release's files, checked out with git (tracked files changed by hand are never overwritten). */
export const fetch: StepDefinition = {
  async run(ctx) {
    const { job, env } = ctx;
    if (!(await hasTag(job.dir, job.version, env))) await fetchRelease(ctx);
    const changed = await localChanges(job.dir, env);
    if (changed.length > 0) {
      throw new UserError({ code: "local-changes", message: `Files of the diaspora* checkout were changed by hand (${changed.slice(0, 5).join(", ")}); podhost will not overwrite them.`, fix: `Undo or save those changes (git -C ${job.dir} stash), then press Retry.` });
    }
    const [command, args] = checkoutCommand(job.dir, job.version);
    await ctx.exec(command, args, { cwd: ctx.dataDir });
  },
  async undo(ctx) {
    // An install's first checkout fills an empty work tree: emptying it again leaves the fetched objects.
    if (ctx.job.kind !== "install") return;
    for (const entry of await entriesOf(ctx.job.dir)) if (!entry.endsWith("/.git")) await rm(entry, { recursive: true, force: true });
  },
};

/** Step 3: config/diaspora.toml and database.yml, and podhost's PostgreSQL and Redis running. */
const configure: StepDefinition = {
  async run(ctx) {
    const { job, settings } = ctx;
    const url = podUrl(settings);
    if (!url) throw new Waiting("the pod's domain (the next setup step, or Settings > Domain & DNS)");
    const toml = join(job.dir, "config", "diaspora.toml");
    const database = join(job.dir, "config", "database.yml");
    for (const path of [toml, database, `${database}.before-podhost`]) await ctx.journal(path);
    // The TOML and YAML readers load only when they are needed, not with every daemon (~1 MB).
    const { ownedTomlKeys, writeOwnedKeys } = await import("../diaspora-profile");
    const { changes } = await writeOwnedKeys(job.dir, [...ownedTomlKeys(url, `tcp://127.0.0.1:${settings.pod.port}`), { table: ["configuration", "server"], key: "rails_environment", value: "production" }, { table: ["configuration", "server"], key: "sidekiq_workers", value: 1 }]);
    for (const change of changes) ctx.say(`config/diaspora.toml: ${change.key} = ${change.to}`);
    await ctx.services.writeDatabaseConfig(job.dir);
    ctx.say("config/database.yml: podhost's own PostgreSQL (unix socket in the data folder)");
    await ctx.services.start();
    ctx.say("podhost's PostgreSQL (with the pod's role and database) and Redis are running for the install");
  },
};

/** Step 4: the gems, into the checkout's vendor/bundle, PostgreSQL's group only. */
export const bundle: StepDefinition = {
  async run(ctx) {
    const { job } = ctx;
    for (const path of [join(job.dir, ".bundle"), join(job.dir, "vendor", "bundle")]) if (!existsSync(path)) await ctx.journal(path);
    const bin = join(job.dir, "bin", "bundle");
    await ctx.exec(bin, ["config", "set", "--local", "deployment", "true"]);
    await ctx.exec(bin, ["config", "set", "--local", "without", "development test mysql"]);
    await ctx.exec(bin, ["install"]);
  },
};

/** Step 5: the database's tables. A cancel of the first migration leaves the database empty again. */
export const migrate: StepDefinition = {
  async run(ctx) {
    await ctx.services.start();
    ctx.job.freshDatabase = (await ctx.services.tableCount()) === 0;
    await ctx.persist();
    await ctx.exec(join(ctx.job.dir, "bin", "rake"), ["db:create", "db:migrate"]);
  },
  async undo(ctx) {
    if (ctx.job.freshDatabase) await ctx.services.recreateDatabase();
  },
};

/** Step 6: stylesheets and scripts into public/assets. */
const assets: StepDefinition = {
  async run(ctx) {
    const target = join(ctx.job.dir, "public", "assets");
    if (!existsSync(target)) await ctx.journal(target);
    await ctx.exec(join(ctx.job.dir, "bin", "rake"), ["assets:precompile"]);
  },
};

export const installSteps: Partial<Record<StepId, StepDefinition>> = { check, fetch, configure, bundle, migrate, assets };
