import { join } from "node:path";
import { UserError, type UserErrorInfo } from "../../shared/errors";
import type { PodCheck, PodConfigChange, PodState, PodStatus } from "../../shared/pod";
import { podUrl, type Settings } from "../../shared/settings";
import { ChangeEmitter, type Service, type ServiceContext } from "../service";
import { planCustom } from "./custom-profile";
import { forgetIdentity, readIdentity, recordedUrl, recordIdentity } from "./identity";
import type { LaunchPlan } from "./launch-plan";
import { PidJournal } from "./pid-journal";
import type { RestartPolicyOptions } from "./restart-policy";
import { defaultLogLimits, type LogLimits } from "../system/rotating-file";
import { Supervisor } from "./supervisor";
import { openPodDatabase, type PodDatabase } from "./database";

export interface PodServiceOptions {
  ctx: ServiceContext;
  /** The environment pod processes inherit (PATH finds ruby, bundle, redis-server). */
  env: NodeJS.ProcessEnv;
  logLimits?: LogLimits;
  restartPolicy?: RestartPolicyOptions;
  /** How often running processes are health-checked and their CPU/memory refreshed. */
  healthIntervalMs?: number;
}

export interface PodService extends Service<PodStatus> {
  /** Stop, then start with the current settings. */
  restart(): Promise<void>;
  /** The explicit "new pod identity" flow: forgets the locked URL. Only while the pod is not running. */
  resetIdentity(): Promise<void>;
  /** The prerequisites Start would check, checked now without starting or writing anything. */
  check(): Promise<PodCheck>;
  /**
   * The pod's database for a backup or restore (undefined: none podhost knows of). The managed
   * one is started on its own while the pod is stopped; the pod does not start until released.
   */
  openDatabase(): Promise<PodDatabase | undefined>;
}

/**
 * The pod as Host sees it: configure() takes settings (never throws; the first call stops what a
 * killed podhost left running), start() checks the profile's prerequisites and runs the processes; problems
 * show in the status with their fix rather than as exceptions.
 */
/** The settings a running pod depends on (stopTimeoutMs applies at once, so it is left out). */
function launchKeys(settings: Settings): string {
  const { stopTimeoutMs: _applied, ...pod } = settings.pod;
  return JSON.stringify({ pod, url: podUrl(settings) });
}

export function createPodServiceWith(options: PodServiceOptions): PodService {
  const { ctx } = options;
  const events = new ChangeEmitter();
  const journal = new PidJournal(join(ctx.dataDir, "pod"), ctx.log);
  let settings: Settings | undefined;
  let problems: UserErrorInfo[] = [];
  let portConflict: PodStatus["portConflict"];
  let configChanges: PodConfigChange[] | undefined;
  let preparing = false;
  /** Bumped by stop(): a start still checking prerequisites must not launch anything afterwards. */
  let generation = 0;
  /** The settings the running pod was started with, to tell the user when a restart would apply changes. */
  let startedWith: string | undefined;
  let lockedUrl = recordedUrl(ctx.dataDir);
  let statsTimer: { cancel(): void } | undefined;
  /** A backup or restore holding the managed PostgreSQL while the pod is stopped. */
  let maintenance: Promise<void> = Promise.resolve();
  /** Stopping what a killed podhost left running, begun when the first settings arrive. */
  let orphansReaped: Promise<void> = Promise.resolve();
  const supervisor = new Supervisor({
    clock: ctx.clock,
    log: ctx.log,
    logDir: join(ctx.dataDir, "logs"),
    logLimits: options.logLimits ?? defaultLogLimits,
    journal,
    stopTimeoutMs: 20_000,
    ...(options.restartPolicy ? { policy: options.restartPolicy } : {}),
    ...(options.healthIntervalMs ? { healthIntervalMs: options.healthIntervalMs } : {}),
    changed: () => events.changed(),
  });

  const configured = () => settings !== undefined && (settings.pod.profile === "diaspora" ? settings.pod.dir !== "" : settings.pod.command !== "");

  // While the pod runs, refresh CPU/memory for the Status page.
  const refreshStats = () => {
    statsTimer = ctx.clock.setTimeout(() => {
      if (supervisor.state() === "running" || supervisor.state() === "degraded") events.changed();
      refreshStats();
    }, options.healthIntervalMs ?? 5_000);
  };

  async function start(): Promise<void> {
    const current = settings;
    if (!current || preparing || !["stopped", "crashed"].includes(supervisor.state())) return;
    const mine = ++generation;
    preparing = true;
    events.changed();
    await maintenance;
    // After a crash loop the rest of the pod may still be on its way down.
    if (supervisor.state() === "crashed") await supervisor.stop();
    supervisor.clearCrash();
    problems = [];
    portConflict = undefined;
    events.changed();
    let plan: LaunchPlan;
    try {
      await orphansReaped;
      await journal.reapOrphans(current.pod.stopTimeoutMs, ctx.clock);
      // The diaspora* profile's TOML and YAML readers load only when a diaspora* pod starts.
      plan = current.pod.profile === "diaspora" ? await (await import("./diaspora-profile")).planDiaspora(current, ctx.dataDir, options.env) : await planCustom(current, ctx.dataDir, options.env);
    } finally {
      preparing = false;
    }
    if (mine !== generation) return;
    problems = plan.problems;
    portConflict = plan.portConflict;
    configChanges = plan.configChanges;
    for (const change of plan.configChanges ?? []) ctx.log.info(`config/diaspora.toml: set ${change.key} = ${change.to}${change.from !== undefined ? ` (was ${change.from})` : ""}`);
    if (problems.length > 0) {
      for (const problem of problems) ctx.log.warn(`Cannot start the pod: ${problem.message}${problem.fix ? ` ${problem.fix}` : ""}`);
      events.changed();
      return;
    }
    if (!statsTimer) refreshStats();
    startedWith = launchKeys(current);
    const outcome = await supervisor.start(plan.specs);
    if (outcome === "running" && plan.lockUrl && readIdentity(ctx.dataDir).state === "none") {
      recordIdentity(ctx.dataDir, { url: plan.lockUrl, firstStartedAt: ctx.clock.now() });
      lockedUrl = plan.lockUrl;
      ctx.log.info(`The pod's public URL is now permanent: ${plan.lockUrl}`);
      events.changed();
    }
  }

  async function stop(): Promise<void> {
    generation++;
    statsTimer?.cancel();
    statsTimer = undefined;
    problems = [];
    portConflict = undefined;
    supervisor.clearCrash();
    await supervisor.stop();
  }

  function status(): PodStatus {
    const processes = supervisor.processStatus();
    const extras = { ...(lockedUrl ? { lockedUrl } : {}), ...(configChanges ? { configChanges } : {}) };
    const state = supervisor.state();
    if (preparing) return { state: "starting", message: "The pod is starting: checking its setup.", processes, ...extras };
    if (problems.length > 0 && state === "stopped") {
      const first = problems[0]!;
      return {
        state: "stopped",
        message: problems.length > 1 ? `The pod cannot start: ${first.message} (and ${problems.length - 1} more problem${problems.length > 2 ? "s" : ""})` : `The pod cannot start: ${first.message}`,
        action: { label: "Open pod settings", page: "settings/pod" },
        processes,
        problems,
        ...(portConflict ? { portConflict } : {}),
        ...extras,
      };
    }
    if (state === "crashed") {
      const crash = supervisor.crashReport()!;
      return {
        state,
        message: `The pod's ${crash.name} process crashed ${crash.crashes} times within 5 minutes, so podhost stopped restarting it. Its last lines are below (full log: ${crash.logFile}); fix the cause, then start the pod again.`,
        action: { label: "Start pod", command: "pod.start" },
        processes,
        lastLines: crash.lastLines,
        ...extras,
      };
    }
    if (!configured() && state === "stopped") return { state: "not-configured", message: "No pod is set up yet.", action: { label: "Set up the pod", page: "settings/pod" }, processes, ...extras };
    const troubled = supervisor.troubled();
    const messages: Partial<Record<PodState, string>> = {
      stopped: "The pod is stopped.",
      starting: `The pod is starting: waiting for ${troubled[0] ?? "its processes"} to be ready.`,
      running: `The pod is running${lockedUrl ? ` at ${lockedUrl}` : ""}.`,
      degraded: `The pod is running, but ${troubled.join(" and ")} ${troubled.length > 1 ? "are" : "is"} restarting or not answering its health check.`,
      stopping: "The pod is stopping.",
    };
    const stale = (state === "running" || state === "degraded") && settings !== undefined && startedWith !== launchKeys(settings);
    if (stale) return { state, message: `${messages[state]} Pod settings changed since it started: restart it to apply them.`, action: { label: "Restart pod", command: "pod.restart" }, processes, ...extras };
    const action = state === "stopped" ? { label: "Start pod", command: "pod.start" } : state === "stopping" ? undefined : { label: "Stop pod", command: "pod.stop" };
    return { state, message: messages[state] ?? "", ...(action ? { action } : {}), processes, ...extras };
  }

  return {
    async configure(next: Settings) {
      const first = settings === undefined;
      settings = next;
      // A restore may have brought back the identity lock.
      lockedUrl = recordedUrl(ctx.dataDir);
      supervisor.setStopTimeout(next.pod.stopTimeoutMs);
      // A pod left running by a podhost that was killed serves unsupervised while the status says
      // "stopped": it is stopped as this podhost comes up, not at the next Start (in the background:
      // one that ignores SIGTERM takes the stop timeout, and the daemon answers meanwhile).
      if (first) {
        orphansReaped = journal.reapOrphans(next.pod.stopTimeoutMs, ctx.clock).then(
          () => undefined,
          (error: unknown) => ctx.log.warn(`Could not stop the pod processes an earlier podhost left running: ${(error as Error).message}`),
        );
      }
      events.changed();
    },
    start,
    stop,
    async restart() {
      await stop();
      await start();
    },
    async check() {
      const current = settings;
      // A running pod holds its own port: what matters then is already known.
      if (!current || !["stopped", "crashed"].includes(supervisor.state())) return { problems: [] };
      const plan =
        current.pod.profile === "diaspora"
          ? await (await import("./diaspora-profile")).planDiaspora(current, ctx.dataDir, options.env, { writeConfig: false })
          : await planCustom(current, ctx.dataDir, options.env);
      return { problems: plan.problems, ...(plan.portConflict ? { portConflict: plan.portConflict } : {}) };
    },
    async openDatabase() {
      const current = settings;
      if (!current) return undefined;
      const running = supervisor.processStatus().some((p) => p.name === "postgres" && p.state === "running");
      let done = () => {};
      const previous = maintenance;
      maintenance = previous.then(() => new Promise<void>((resolve) => (done = resolve)));
      await previous;
      try {
        // A podhost that was killed may have left the pod's PostgreSQL running: reap it as a start would.
        await orphansReaped;
        if (!running && ["stopped", "crashed"].includes(supervisor.state())) await journal.reapOrphans(current.pod.stopTimeoutMs, ctx.clock);
        const database = await openPodDatabase(current, ctx.dataDir, options.env, running);
        if (!database) done();
        return database && { ...database, release: () => database.release().finally(done) };
      } catch (error) {
        done();
        throw error;
      }
    },
    async resetIdentity() {
      const state = supervisor.state();
      if (state !== "stopped" && state !== "crashed") {
        throw new UserError({ code: "pod-running", message: "The pod identity cannot be reset while the pod runs.", fix: "Stop the pod first, then reset its identity." });
      }
      await forgetIdentity(ctx.dataDir);
      lockedUrl = undefined;
      ctx.log.warn("The pod identity (its permanent URL) was reset by the user.");
      events.changed();
    },
    status,
    onChange: (listener) => events.onChange(listener),
  };
}
