import type { Command } from "commander";
import { describeError } from "../../shared/errors";
import type { InstallPlan, InstallStatus, StepStatus, SystemCheck } from "../../shared/install";
import type { LogLine } from "../../shared/logs";
import type { ControlClient } from "./client";
import { followStatus } from "./follow";

/**
 * `podhost pod install|upgrade|check|retry|cancel`: the installer's steps in a terminal, with
 * the same progress the UI shows. A command that did not get the pod where it was asked exits 1;
 * Ctrl-C cancels the running step (and undoes what it wrote) before exiting.
 */
export function registerPodCommand(program: Command, client: () => ControlClient): void {
  /** Install or upgrade: the plan first (what, where, how much disk and time), then each step as it runs. */
  const planThenRun = async (kind: "install" | "upgrade", version: string | undefined) => {
    const c = client();
    const wanted = version ? { version } : {};
    console.log(formatPlan(await c.call("install.plan", { kind, ...wanted })));
    await follow(c, () => (kind === "install" ? c.call("install.start", wanted) : c.call("install.upgrade", wanted)));
  };
  const pod = program.command("pod").description("install or upgrade diaspora* (podhost's own checkout in its data folder)");
  pod
    .command("check")
    .description("check this computer for what diaspora* needs, with the command that installs each missing piece")
    .action(async () => {
      const check = await client().call("install.checkSystem", {});
      console.log(formatCheck(check));
      if (!check.ok) process.exitCode = 1;
    });
  pod
    .command("install")
    .description("install diaspora* (the newest stable release) and get it ready for Start pod")
    .option("--version <tag>", "the release to install, like v0.9.1.0")
    .action((opts: { version?: string }) => planThenRun("install", opts.version));
  pod
    .command("upgrade")
    .description("upgrade the diaspora* podhost installed; on failure it goes back to the old release and database")
    .option("--to <tag>", "the release to upgrade to (default: the newest stable one)")
    .action((opts: { to?: string }) => planThenRun("upgrade", opts.to));
  pod
    .command("retry")
    .description("run the failed or cancelled install step again, and the ones after it")
    .action(async () => {
      const c = client();
      await follow(c, () => c.call("install.retry", {}));
    });
  pod
    .command("cancel")
    .description("cancel the running install or upgrade step (what it wrote is undone)")
    .action(async () => {
      const status = await client().call("install.cancel", {});
      console.log(status.message);
    });
}

/** Where following stops: the job ended, or waits for the user (it goes on by itself once the setting is there). */
const finished = new Set(["done", "failed", "cancelled", "waiting"]);

/**
 * Start the job and print every step and its output until it ends. The output comes as the
 * daemon's log lines (source install/<step>: every line, in order, each step's heading before its
 * first line); the status says when the job ended and how.
 */
async function follow(c: ControlClient, begin: () => Promise<InstallStatus>): Promise<void> {
  const printer = outputPrinter();
  let resolveEnd: (status: InstallStatus) => void = () => {};
  const ended = new Promise<InstallStatus>((resolve) => (resolveEnd = resolve));
  let started = false;
  const watch = (status: InstallStatus | undefined) => {
    printer.steps(status);
    if (status?.job?.state === "running") started = true;
    if (status?.job && (started || status.job.state === "waiting") && finished.has(status.job.state)) resolveEnd(status);
  };
  const following = followStatus(c, (snapshot) => watch(snapshot.install), { types: ["status", "log"], onLog: printer.line });
  await following.ready;
  const onInterrupt = () => {
    console.log("\nCancelling the running step…");
    void c.call("install.cancel", {}).catch(() => undefined);
  };
  process.once("SIGINT", onInterrupt);
  const asked = Date.now();
  try {
    const first = await begin();
    printer.steps(first);
    // Nothing was run (the job had ended before we asked): its end comes as no event.
    if (first.job && finished.has(first.job.state) && (first.job.endedAt ?? 0) < asked) resolveEnd(first);
    const last = await ended;
    if (last.state === "waiting") {
      console.error(`\nThe install waits for ${last.job?.waitingFor}; it goes on by itself once that is set (\`podhost pod retry\` follows it).`);
      process.exitCode = 1;
    } else if (last.state !== "done") {
      if (last.job?.failure) console.error(`\n✗ ${describeError(last.job.failure)}${last.job.failure.logFile ? `\n  Full log: ${last.job.failure.logFile}` : ""}${last.job.failure.rolledBack ? `\n  ${last.job.failure.rolledBack}` : ""}`);
      process.exitCode = last.state === "cancelled" ? 130 : 1;
    }
    console.log(`\n${last.message}`);
  } finally {
    process.off("SIGINT", onInterrupt);
    void following.stop();
  }
}

/** Prints each install step's heading before its first line of output, and the output. */
function outputPrinter(): { steps(status: InstallStatus | undefined): void; line(line: LogLine): void } {
  let steps: StepStatus[] = [];
  let current: string | undefined;
  return {
    steps: (status) => {
      if (status?.job) steps = status.job.steps;
    },
    line: ({ source, text }) => {
      if (!source.startsWith("install/")) return;
      const id = source.slice("install/".length);
      const index = steps.findIndex((step) => step.id === id);
      if (id !== current && index >= 0) {
        current = id;
        console.log(`\n[${index + 1}/${steps.length}] ${steps[index]!.title} (usually about ${minutes(steps[index]!.estimateMs)})`);
      }
      console.log(`    ${text}`);
    },
  };
}

export function formatPlan(plan: InstallPlan): string {
  const lines = [
    plan.kind === "install" ? `Install diaspora* ${plan.version} into ${plan.dir}` : `Upgrade diaspora* ${plan.from ?? ""} to ${plan.version} in ${plan.dir}`,
    `  from ${plan.repository}`,
    ...plan.steps.map((step, i) => `  ${i + 1}. ${step.title}: ${step.what}`),
    `  Needs about ${gigabytes(plan.diskBytes)} of disk${plan.freeBytes !== undefined ? ` (${gigabytes(plan.freeBytes)} free)` : ""} and usually about ${minutes(plan.typicalMs)}.`,
    `  ${plan.testedWith}`,
  ];
  return lines.join("\n");
}

export function formatCheck(check: SystemCheck): string {
  const lines = [`What diaspora* needs on ${check.os.name}:`];
  for (const item of check.items) {
    lines.push(`${item.ok ? "✓" : "✗"} ${item.label}${item.found ? `: ${item.found}` : ""}`);
    if (!item.ok) lines.push(`    ${item.problem ?? ""}`, `    → ${item.fix ?? ""}`);
  }
  lines.push(check.ok ? "Everything diaspora* needs is here." : `${check.items.filter((i) => !i.ok).length} missing: run the commands above, then \`podhost pod check\` again.`);
  return lines.join("\n");
}

function minutes(ms: number): string {
  return ms < 60_000 ? `${Math.round(ms / 1000)} s` : `${Math.round(ms / 60_000)} min`;
}

function gigabytes(bytes: number): string {
  return `${(bytes / 1024 ** 3).toFixed(1)} GB`;
}
