import { existsSync } from "node:fs";
import { mkdir, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { UserError } from "../../../shared/errors";
import type { StepId } from "../../../shared/install";
import { output } from "./commands";
import { gitEnv } from "./git";
import { bundle, fetch, migrate } from "./install-steps";
import type { StepContext, StepDefinition } from "./step-context";

const backup: StepDefinition = {
  async run(ctx) {
    const result = await ctx.pod.backup();
    if (!result.ok) throw new UserError({ code: "backup-failed", message: `The backup before the upgrade failed: ${result.message}`, fix: "Fix the backup first (the Backups page says why); podhost upgrades only with a fresh backup." });
    ctx.say(result.message);
  },
};

/** The rollback point is the checkout as it is now; then the pod stops. */
const stop: StepDefinition = {
  async run(ctx) {
    const head = await output("git", ["-C", ctx.job.dir, "rev-parse", "HEAD"], { env: gitEnv(ctx.env) });
    if (!head.ok) throw new UserError({ code: "checkout-unreadable", message: `podhost cannot read which release ${ctx.job.dir} is at: ${head.text}`, fix: "Check that the folder is still a git checkout, then upgrade again." });
    ctx.job.rollback = { commit: head.text.trim(), ...(ctx.job.from ? { tag: ctx.job.from } : {}) };
    await ctx.persist();
    await ctx.pod.stop();
  },
};

/** pg_dump of the pod's database with the pod stopped: what a failed upgrade restores. */
const dump: StepDefinition = {
  async run(ctx) {
    const dir = join(ctx.dataDir, "install");
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const file = join(dir, `pre-upgrade-${ctx.job.from ?? "unknown"}.dump`);
    await ctx.services.start();
    await ctx.services.dump(file);
    ctx.job.rollback = { ...ctx.job.rollback!, dump: file, dumpedAt: ctx.clock.now() };
    await ctx.persist();
    ctx.say(`pg_dump of the pod's database: ${file}`);
  },
};

/** The old release's built assets move aside (they come back on a rollback), then the new ones are built. */
const assets: StepDefinition = {
  async run(ctx) {
    const current = join(ctx.job.dir, "public", "assets");
    const aside = join(ctx.dataDir, "install", `assets-${ctx.job.from ?? "previous"}`);
    if (existsSync(current) && !ctx.job.rollback?.assets) {
      await rm(aside, { recursive: true, force: true });
      await rename(current, aside);
      ctx.job.rollback = { ...ctx.job.rollback!, assets: aside };
      await ctx.persist();
    }
    await ctx.exec(join(ctx.job.dir, "bin", "rake"), ["assets:precompile"]);
  },
};

const start: StepDefinition = {
  async run(ctx) {
    await ctx.services.stop();
    const started = await ctx.pod.start();
    if (!started.ok) throw new UserError({ code: "pod-start-failed", message: `The pod did not start on ${ctx.job.version}: ${started.reason}`, fix: "The pod's log (Logs page) says why." });
  },
};

const health: StepDefinition = {
  async run(ctx) {
    const answer = await ctx.pod.healthy();
    if (!answer.ok) throw new UserError({ code: "pod-unhealthy", message: `The pod started on ${ctx.job.version} but does not answer through podhost: ${answer.reason}`, fix: "The pod's log (Logs page) says why." });
    ctx.say("the pod answers its nodeinfo through podhost's proxy");
    await rm(ctx.job.rollback?.assets ?? "", { recursive: true, force: true });
  },
};

export const upgradeSteps: Partial<Record<StepId, StepDefinition>> = { backup, stop, dump, fetch, bundle, migrate, assets, start, health };

/**
 * A failed or cancelled upgrade goes back: the pod stops, the checkout returns to the commit it
 * was at, the old assets come back, the pre-upgrade dump is restored into podhost's PostgreSQL,
 * and the pod starts again. Returns what was done, in words.
 */
export async function rollBack(ctx: StepContext): Promise<string> {
  const point = ctx.job.rollback!;
  const from = ctx.job.from ?? point.commit.slice(0, 10);
  ctx.say(`going back to ${from}`);
  const done: string[] = [];
  try {
    await ctx.pod.stop();
    await ctx.exec("git", ["-C", ctx.job.dir, "-c", "advice.detachedHead=false", "checkout", "--quiet", "--force", "--detach", point.commit], { cwd: ctx.dataDir });
    done.push(`the checkout is back at ${from}`);
    if (point.assets && existsSync(point.assets)) {
      await rm(join(ctx.job.dir, "public", "assets"), { recursive: true, force: true });
      await rename(point.assets, join(ctx.job.dir, "public", "assets"));
    }
    if (point.dump) {
      await ctx.services.restore(point.dump);
      done.push(`the database is as it was at ${new Date(point.dumpedAt ?? 0).toLocaleString("en-GB")} (restored from ${point.dump})`);
    }
    await ctx.services.stop();
    const started = await ctx.pod.start();
    const healthy = started.ok ? await ctx.pod.healthy() : started;
    done.push(healthy.ok ? "the pod runs again" : `but the pod did not start again: ${healthy.reason}`);
    ctx.say(`rolled back: ${done.join("; ")}`);
    return `podhost went back: ${done.join("; ")}.`;
  } catch (error) {
    await ctx.services.stop().catch(() => undefined);
    const reason = error instanceof Error ? error.message : String(error);
    ctx.say(`going back failed: ${reason}`);
    return `Going back to ${from} failed (${reason})${done.length ? ` after ${done.join("; ")}` : ""}.${point.dump ? ` The pre-upgrade database dump is ${point.dump} (pg_restore puts it back).` : ""}`;
  }
}
