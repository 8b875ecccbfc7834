import { createWriteStream, existsSync, mkdirSync, type WriteStream } from "node:fs";
import { statfs } from "node:fs/promises";
import { dirname, join } from "node:path";
import { isUserErrorInfo, UserError, type UserErrorInfo } from "../../../shared/errors";
import { installDiskBytes, installerTestedWith, installStepIds, stepInfo, upgradeStepIds, type InstallPlan, type InstallStatus, type StepId, type SystemCheck } from "../../../shared/install";
import type { Settings } from "../../../shared/settings";
import { ChangeEmitter, type ServiceContext } from "../../service";
import type { Logger } from "../../log";
import { explainFailure } from "./failures";
import { commitJournal, JobStore, journalPath, newJob, undoJournal, type JobRecord } from "./job";
import { detectOs } from "./packages";
import { Releases } from "./releases";
import { Cancelled, runStepCommand } from "./step-process";
import { Waiting, type PodControl, type StepContext, type StepDefinition } from "./step-context";
import type { InstallServices } from "./services";
import { describeStatus } from "./status";
import { checkSystem } from "./system-check";
import { hasTag, readAtTag } from "./git";
import { installSteps } from "./install-steps";
import { rollBack, upgradeSteps } from "./upgrade-steps";

export interface InstallerOptions {
  ctx: ServiceContext;
  /** The environment steps run with (PATH finds git, ruby, bundle, node). */
  env: NodeJS.ProcessEnv;
  services: InstallServices;
  pod: PodControl;
  /** Save settings when an install is done (pod.dir and friends), through Host's validation. */
  changeSettings(changes: Record<string, unknown>): Promise<void>;
  /** Status changes are passed on at most this often while a step prints (default 250 ms). */
  throttleMs?: number;
}

const tailLines = 40;

/**
 * "Install diaspora* for me" and upgrades: runs the steps one after the other, each command in its
 * own process group with its full log in a file; keeps its progress on disk so a failed or
 * interrupted step is retried without redoing the ones before; cancelling kills the step's
 * processes and undoes what that step wrote. An upgrade that fails goes back to the release and
 * database it started from.
 */
export class Installer {
  private readonly events = new ChangeEmitter();
  private readonly store: JobStore;
  private readonly os = detectOs();
  readonly releases: Releases;
  private settings: Settings | undefined;
  private job: JobRecord | undefined;
  private tail: string[] = [];
  private abort: AbortController | undefined;
  private running: Promise<void> | undefined;
  private log: WriteStream | undefined;
  /** The running step's output in the daemon's log (source install/<step>): followers get every line, in order. */
  private stepOutput: Logger | undefined;
  private emitTimer: { cancel(): void } | undefined;

  constructor(private readonly options: InstallerOptions) {
    this.store = new JobStore(join(options.ctx.dataDir, "install"));
    this.releases = new Releases(join(options.ctx.dataDir, "install"), options.env, options.ctx.clock, () => this.changed());
  }

  /** Load the stored job; a step that was running when podhost stopped is undone and shown as interrupted. */
  async open(): Promise<void> {
    const job = await this.store.load();
    if (job && ["running", "cancelling", "rolling-back"].includes(job.state)) {
      await undoJournal(job.journal);
      const step = job.steps.find((s) => s.state === "running");
      if (step) step.state = "failed";
      job.state = "failed";
      job.failure = { code: "interrupted", step: step?.id ?? job.steps[0]!.id, message: `podhost stopped while "${step?.title ?? "the installer"}" ran; what that step had written was undone.`, fix: "Press Retry to run it again." };
      await this.store.save(job);
    }
    this.job = job;
    await this.releases.open(job?.kind === "upgrade" && job.state !== "done" ? job.from : job?.version);
  }

  onChange(listener: () => void): () => void {
    return this.events.onChange(listener);
  }

  async configure(settings: Settings): Promise<void> {
    this.settings = settings;
    this.releases.configure(settings.pod.install);
    // A job waiting for a setting (the domain) goes on once it is there.
    if (this.job?.state === "waiting" && !this.running) this.launch(this.job.steps.findIndex((s) => s.state !== "done"));
  }

  status(): InstallStatus {
    return describeStatus(this.job, this.tail, this.releases.info());
  }

  /** What an install or upgrade will do, and the disk and time it takes (this asks the repository for its releases). */
  async plan(kind: "install" | "upgrade", version?: string): Promise<InstallPlan> {
    const settings = this.requireSettings();
    const { repository } = settings.pod.install;
    const tag = await this.releases.choose(repository, version);
    const ids = kind === "install" ? installStepIds : upgradeStepIds;
    const steps = ids.map((id) => ({ id, ...stepInfo[id] }));
    const freeBytes = await statfs(this.options.ctx.dataDir).then((s) => s.bavail * s.bsize, () => undefined);
    const from = this.releases.info().installed;
    return {
      kind,
      version: tag,
      ...(kind === "upgrade" && from ? { from } : {}),
      repository,
      dir: kind === "install" ? this.checkoutDir() : settings.pod.dir,
      steps,
      diskBytes: kind === "install" ? installDiskBytes : installDiskBytes / 3,
      ...(freeBytes !== undefined ? { freeBytes } : {}),
      typicalMs: steps.reduce((sum, step) => sum + step.typicalMs, 0),
      testedWith: installerTestedWith,
    };
  }

  /** The system check alone ("Check again"): with the release's Ruby version once its git objects are here. */
  async checkSystem(): Promise<SystemCheck> {
    const dir = this.job?.dir ?? this.checkoutDir();
    const tag = this.job?.version;
    const { env } = this.options;
    const rubyVersion = tag && existsSync(dir) && (await hasTag(dir, tag, env)) ? await readAtTag(dir, tag, ".ruby-version", env) : undefined;
    const result = await checkSystem({ env, cwd: existsSync(dir) ? dir : this.options.ctx.dataDir, ...(rubyVersion ? { rubyVersion } : {}) });
    if (this.job && !this.running) {
      this.job.check = result;
      await this.store.save(this.job);
      this.changed(true);
    }
    return result;
  }

  /** Start installing `version` (default: the newest stable release) into `<dataDir>/diaspora`. */
  async install(version?: string): Promise<InstallStatus> {
    const settings = this.requireSettings();
    this.refuseWhileRunning();
    const { repository } = settings.pod.install;
    const installed = this.releases.info().installed;
    if (installed && existsSync(this.checkoutDir())) {
      throw new UserError({ code: "already-installed", message: `podhost installed diaspora* ${installed} in ${this.checkoutDir()} already.`, fix: "To move to another release, upgrade it (podhost pod upgrade, or Settings > Pod)." });
    }
    const tag = await this.releases.choose(repository, version);
    this.begin(newJob("install", tag, this.checkoutDir(), repository, installStepIds, this.options.ctx.clock.now()));
    return this.status();
  }

  /** Upgrade the pod podhost installed to `version` (default: the newest stable release). */
  async upgrade(version?: string): Promise<InstallStatus> {
    const settings = this.requireSettings();
    this.refuseWhileRunning();
    const installed = this.releases.info().installed;
    if (!installed || settings.pod.dir !== this.checkoutDir()) {
      throw new UserError({ code: "not-installed-by-podhost", message: "podhost upgrades only a diaspora* it installed itself (Settings > Pod > Install diaspora* for me).", fix: `Upgrade your own checkout with git and diaspora*'s upgrade guide, or install with podhost first.` });
    }
    const tag = await this.releases.choose(settings.pod.install.repository, version);
    if (tag === installed) throw new UserError({ code: "already-installed", message: `diaspora* ${tag} is already installed.`, fix: "Nothing to do; podhost says when a newer release is out (pod.install.checkReleases)." });
    this.begin(newJob("upgrade", tag, settings.pod.dir, settings.pod.install.repository, upgradeStepIds, this.options.ctx.clock.now(), installed));
    return this.status();
  }

  /** Run the failed (or cancelled) step again, and the ones after it. */
  async retry(): Promise<InstallStatus> {
    const job = this.job;
    if (!job || !["failed", "cancelled", "waiting"].includes(job.state) || this.running) {
      throw new UserError({ code: "nothing-to-retry", message: "There is no failed or cancelled install step to retry.", fix: "Start an install or upgrade instead." });
    }
    if (job.kind === "upgrade" && job.failure?.rolledBack) {
      throw new UserError({ code: "upgrade-rolled-back", message: "That upgrade was rolled back to the previous release; it cannot continue where it failed.", fix: "Start the upgrade again once the cause is fixed." });
    }
    this.launch(job.steps.findIndex((s) => s.state !== "done"));
    return this.status();
  }

  /** Stop the running step (its whole process group) and undo what it wrote; an upgrade goes back to where it started. */
  async cancel(): Promise<InstallStatus> {
    if (this.job?.state === "waiting" && !this.running) {
      // Nothing of the waiting step has run yet: there is nothing to undo.
      this.job.state = "cancelled";
      this.job.failure = { code: "cancelled", step: this.job.steps.find((s) => s.state === "pending")!.id, message: "The install was cancelled while it waited; nothing of that step had run.", fix: "Continue runs it." };
      delete this.job.waitingFor;
      await this.store.save(this.job);
      this.changed(true);
      return this.status();
    }
    if (!this.job || !this.running) throw new UserError({ code: "nothing-running", message: "No install or upgrade is running.", fix: "Nothing to cancel." });
    this.job.state = "cancelling";
    this.changed(true);
    this.abort?.abort();
    await this.running;
    return this.status();
  }

  /** Whether a job is between its first step and its end, or waits for a setting (Start pod waits for it). */
  busy(): boolean {
    return this.running !== undefined || this.job?.state === "waiting";
  }

  /** Daemon exit: the running step is cancelled and undone. */
  async close(): Promise<void> {
    this.releases.close();
    if (this.running) {
      this.abort?.abort();
      await this.running;
    }
    await this.options.services.stop();
  }

  private begin(job: JobRecord): void {
    this.job = job;
    this.launch(0);
  }

  private launch(from: number): void {
    const job = this.job!;
    job.state = "running";
    delete job.failure;
    delete job.waitingFor;
    delete job.endedAt;
    for (const step of job.steps.slice(from)) {
      step.state = "pending";
      delete step.startedAt;
      delete step.endedAt;
    }
    this.tail = [];
    this.abort = new AbortController();
    this.running = this.runFrom(from, this.abort.signal).finally(() => {
      this.running = undefined;
      this.abort = undefined;
      this.changed(true);
    });
  }

  private async runFrom(from: number, signal: AbortSignal): Promise<void> {
    const job = this.job!;
    const definitions = definitionsOf(job);
    await this.store.save(job);
    for (const step of job.steps.slice(from)) {
      const ctx = this.stepContext(job, signal);
      step.state = "running";
      step.startedAt = this.options.ctx.clock.now();
      step.logFile = this.store.logFile(job, step.id);
      job.current = step.id;
      this.openLog(step.logFile);
      this.stepOutput = this.options.ctx.log.child(step.id);
      this.tail = [];
      await this.store.save(job);
      this.changed(true);
      try {
        await definitions[step.id]!.run(ctx);
        await commitJournal(job.journal);
        step.state = "done";
        step.endedAt = this.options.ctx.clock.now();
        ctx.say(`done in ${Math.round((step.endedAt - step.startedAt) / 1000)} s`);
        // The step's last lines go out before the next step's output replaces them.
        this.changed(true);
      } catch (error) {
        await this.stepFailed(ctx, step.id, error);
        return;
      } finally {
        this.closeLog();
      }
      await this.store.save(job);
    }
    if (job.kind === "install") await this.finishInstall();
    job.state = "done";
    job.endedAt = this.options.ctx.clock.now();
    delete job.current;
    await this.releases.installed(job.version);
    await this.store.save(job);
    this.options.ctx.log.info(`diaspora* ${job.version} is ${job.kind === "install" ? "installed" : "running after the upgrade"}.`);
  }

  private async stepFailed(ctx: StepContext, id: StepId, error: unknown): Promise<void> {
    const job = ctx.job;
    const step = job.steps.find((s) => s.id === id)!;
    step.endedAt = this.options.ctx.clock.now();
    if (error instanceof Waiting) {
      step.state = "pending";
      delete step.startedAt;
      job.state = "waiting";
      job.waitingFor = error.reason;
      ctx.say(`waiting: ${error.reason}`);
      await this.store.save(job);
      return;
    }
    const cancelled = error instanceof Cancelled || ctx.signal.aborted;
    if (cancelled) ctx.say("cancelled: undoing what this step wrote");
    if (cancelled || !definitionsOf(job)[id]?.keepOnFailure) await undoJournal(job.journal);
    else await commitJournal(job.journal);
    if (cancelled) await definitionsOf(job)[id]?.undo?.(ctx).catch((e: unknown) => ctx.say(`undo: ${String(e)}`));
    step.state = cancelled ? "cancelled" : "failed";
    const info: UserErrorInfo = cancelled
      ? { code: "cancelled", message: `"${step.title}" was cancelled; what it had written was undone.`, fix: "Retry continues from this step." }
      : error instanceof UserError ? error.toJSON() : isUserErrorInfo(error) ? error : explainFailure(id, error, { os: this.os.family, dir: job.dir, logFile: step.logFile ?? "" });
    job.failure = { ...info, step: id, ...(step.logFile ? { logFile: step.logFile } : {}) };
    if (!cancelled) ctx.say(`failed: ${info.message}`);
    if (job.kind === "upgrade" && job.rollback) {
      job.state = "rolling-back";
      await this.store.save(job);
      this.changed(true);
      job.failure.rolledBack = await rollBack(this.stepContext(job, new AbortController().signal));
    }
    // podhost's PostgreSQL and Redis do not outlive the job: Start pod (or a retry) starts them again.
    await this.options.services.stop().catch((e: unknown) => ctx.say(`stopping PostgreSQL and Redis: ${String(e)}`));
    job.state = cancelled ? "cancelled" : "failed";
    job.endedAt = this.options.ctx.clock.now();
    await this.store.save(job);
    this.options.ctx.log.warn(`${job.kind === "install" ? "Install" : "Upgrade"} of diaspora* ${job.version} stopped at "${step.title}": ${info.message}`);
  }

  /** The checkout becomes the pod: podhost's own PostgreSQL and Redis, ready for Start pod. */
  private async finishInstall(): Promise<void> {
    await this.options.services.stop();
    await this.options.changeSettings({ "pod.profile": "diaspora", "pod.dir": this.job!.dir, "pod.managedRedis": true, ...this.options.services.settings });
  }

  private stepContext(job: JobRecord, signal: AbortSignal): StepContext {
    const { ctx, env } = this.options;
    const stepEnv = { ...env, RAILS_ENV: "production" };
    return {
      job,
      settings: this.requireSettings(),
      dataDir: ctx.dataDir,
      os: this.os.family,
      env: stepEnv,
      clock: ctx.clock,
      signal,
      services: this.options.services,
      pod: this.options.pod,
      exec: (command, args, options = {}) => runStepCommand({ command, args, cwd: options.cwd ?? job.dir, env: options.env ?? stepEnv }, (line) => this.output(line), signal, ctx.clock),
      say: (text) => this.output(`podhost: ${text}`),
      journal: async (path) => {
        await journalPath(job.journal, path);
        await this.store.save(job);
      },
      persist: () => this.store.save(job),
    };
  }

  private output(line: string): void {
    this.log?.write(`${new Date(this.options.ctx.clock.now()).toISOString()} ${line}\n`);
    this.stepOutput?.info(line);
    this.tail.push(line);
    if (this.tail.length > tailLines) this.tail.splice(0, this.tail.length - tailLines);
    this.changed();
  }

  private openLog(file: string): void {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    this.log = createWriteStream(file, { flags: "w", mode: 0o600 });
  }

  private closeLog(): void {
    this.log?.end();
    this.log = undefined;
  }

  /** State changes go out at once; output lines at most every throttleMs. */
  private changed(now = false): void {
    if (now) {
      this.emitTimer?.cancel();
      this.emitTimer = undefined;
      this.events.changed();
      return;
    }
    if (this.emitTimer) return;
    this.emitTimer = this.options.ctx.clock.setTimeout(() => {
      this.emitTimer = undefined;
      this.events.changed();
    }, this.options.throttleMs ?? 250);
  }

  /** Where podhost installs diaspora*: inside its data dir. */
  private checkoutDir(): string {
    return join(this.options.ctx.dataDir, "diaspora");
  }

  private requireSettings(): Settings {
    if (!this.settings) throw new UserError({ code: "not-ready", message: "podhost is still starting.", fix: "Try again in a moment." });
    return this.settings;
  }

  private refuseWhileRunning(): void {
    if (this.running) throw new UserError({ code: "install-running", message: `An ${this.job?.kind ?? "install"} of diaspora* ${this.job?.version ?? ""} is already running.`, fix: "Wait for it to finish, or cancel it." });
  }
}

function definitionsOf(job: JobRecord): Partial<Record<StepId, StepDefinition>> {
  return job.kind === "install" ? installSteps : upgradeSteps;
}
