import { spawn, type ChildProcess } from "node:child_process";
import type { PodProcessStatus } from "../../shared/pod";
import type { Clock } from "../service";
import type { PidJournal } from "./pid-journal";
import type { Probe } from "./probes";
import type { ProcessLog } from "./process-log";
import { signalGroup, terminateGroup, waitGroupGone } from "./process-group";
import { RestartPolicy, type RestartPolicyOptions } from "./restart-policy";

/** What to run for one pod process, and how to tell that it is ready. */
export interface ProcessSpec {
  /** "web", "sidekiq", "redis", "pod". */
  name: string;
  command: string;
  args: string[];
  cwd: string;
  /** The complete environment of the process. */
  env: NodeJS.ProcessEnv;
  /** Readiness and later health; without one the process counts as running once spawned. */
  probe?: Probe;
}

export interface ProcessRuntime {
  clock: Clock;
  journal: PidJournal;
  log: ProcessLog;
  policy?: RestartPolicyOptions;
  readyPollMs: number;
  healthIntervalMs: number;
  /** Any state or health change. */
  changed(): void;
  /** The process crash-looped: restarting stopped. */
  gaveUp(process: SupervisedProcess, crashes: number): void;
}

type State = PodProcessStatus["state"];

/**
 * One pod process kept alive: spawned as the leader of its own process group, restarted with
 * backoff when it dies, health-checked while it runs, stopped group-wide.
 */
export class SupervisedProcess {
  state: State = "stopped";
  healthy = true;
  restarts = 0;
  private child: ChildProcess | undefined;
  private pid: number | undefined;
  private startedAt: number | undefined;
  private stopping = false;
  private timer: { cancel(): void } | undefined;
  private waiters: Array<(ready: boolean) => void> = [];
  private readonly policy: RestartPolicy;

  constructor(readonly spec: ProcessSpec, private readonly rt: ProcessRuntime) {
    this.policy = new RestartPolicy(rt.clock, rt.policy);
  }

  start(): void {
    this.stopping = false;
    this.restarts = 0;
    this.policy.reset();
    this.spawn();
  }

  /** Resolves true once the process passed its readiness check, false if it crashed for good or was stopped first. */
  whenReady(): Promise<boolean> {
    if (this.state === "running") return Promise.resolve(true);
    if (this.state === "crashed" || this.state === "stopped") return Promise.resolve(false);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  async stop(timeoutMs: number): Promise<void> {
    this.stopping = true;
    this.timer?.cancel();
    const child = this.child;
    const pid = this.pid;
    if (!child || pid === undefined) {
      this.setState("stopped");
      return;
    }
    const exited = child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise<void>((resolve) => child.once("exit", () => resolve()));
    const { killed } = await terminateGroup(pid, timeoutMs, this.rt.clock);
    if (killed) this.rt.log.note(`did not stop within ${timeoutMs} ms of SIGTERM: killed with SIGKILL`);
    await exited;
  }

  status(): PodProcessStatus {
    const running = this.child !== undefined && this.pid !== undefined;
    return {
      name: this.spec.name,
      state: this.state,
      restarts: this.restarts,
      logFile: this.rt.log.path,
      ...(running ? { pid: this.pid, startedAt: this.startedAt } : {}),
    };
  }

  /** The pid of the running group leader (= its process group id), if any. */
  runningPid(): number | undefined {
    return this.child ? this.pid : undefined;
  }

  private spawn(): void {
    const { spec, rt } = this;
    this.setState("starting");
    this.healthy = true;
    this.pid = undefined;
    // Its own process group on POSIX (stopped whole); on Windows `detached` would open a console window.
    const child = spawn(spec.command, spec.args, { cwd: spec.cwd, env: spec.env, detached: process.platform !== "win32", windowsHide: true, stdio: ["ignore", "pipe", "pipe"] });
    this.child = child;
    child.on("error", (error) => {
      // A spawn failure (missing program or folder) never emits "exit": treat it as an exit.
      if (child.pid === undefined) {
        rt.log.note(`could not start ${spec.command}: ${error.message}`);
        this.onExit(child, null, null);
      }
    });
    if (child.pid === undefined) return;
    this.pid = child.pid;
    this.startedAt = rt.clock.now();
    rt.journal.record(spec.name, child.pid, spec.command, spec.args);
    rt.log.note(`started (pid ${child.pid}): ${[spec.command, ...spec.args].join(" ")}`);
    rt.log.follow(child.stdout!, "stdout");
    rt.log.follow(child.stderr!, "stderr");
    child.once("exit", (code, signal) => this.onExit(child, code, signal));
    this.awaitReadiness(child);
  }

  private awaitReadiness(child: ChildProcess): void {
    const { probe } = this.spec;
    if (!probe) return this.setState("running");
    const poll = async () => {
      if (child !== this.child || this.stopping) return;
      if (await probe()) {
        if (child !== this.child || this.stopping) return;
        this.setState("running");
        this.timer = this.rt.clock.setTimeout(() => void this.checkHealth(child, 0), this.rt.healthIntervalMs);
      } else {
        this.timer = this.rt.clock.setTimeout(() => void poll(), this.rt.readyPollMs);
      }
    };
    void poll();
  }

  /** While running: two failed checks in a row mark the process unhealthy (the pod shows "degraded"). */
  private async checkHealth(child: ChildProcess, failures: number): Promise<void> {
    if (child !== this.child || this.stopping || !this.spec.probe) return;
    const ok = await this.spec.probe();
    if (child !== this.child || this.stopping) return;
    const nextFailures = ok ? 0 : failures + 1;
    const healthy = nextFailures < 2;
    if (healthy !== this.healthy) {
      this.healthy = healthy;
      this.rt.log.note(healthy ? "health check passes again" : "health check failing");
      this.rt.changed();
    }
    this.timer = this.rt.clock.setTimeout(() => void this.checkHealth(child, nextFailures), this.rt.healthIntervalMs);
  }

  private onExit(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (child !== this.child) return;
    const { rt } = this;
    const pid = this.pid;
    this.child = undefined;
    this.timer?.cancel();
    if (pid !== undefined) {
      // Workers and grandchildren must not outlive their leader (they would hold the port).
      signalGroup(pid, "SIGKILL");
      void waitGroupGone(pid, 5_000, rt.clock).then(() => rt.journal.forget(pid));
    }
    if (this.stopping) {
      rt.log.note(`stopped${signal ? ` (${signal})` : ""}`);
      return this.setState("stopped");
    }
    const uptimeMs = this.startedAt === undefined ? 0 : rt.clock.now() - this.startedAt;
    rt.log.note(pid === undefined ? "failed to start" : `exited on its own with ${signal ? `signal ${signal}` : `code ${code}`} after ${uptimeMs} ms`);
    const decision = this.policy.onCrash(uptimeMs);
    if (decision.giveUp) {
      this.setState("crashed");
      rt.gaveUp(this, decision.crashes);
      return;
    }
    rt.log.note(`restarting in ${decision.delayMs} ms`);
    this.setState("backoff");
    this.timer = rt.clock.setTimeout(() => {
      if (this.stopping) return;
      this.restarts++;
      this.spawn();
    }, decision.delayMs);
  }

  private setState(state: State): void {
    this.state = state;
    if (state === "running" || state === "crashed" || state === "stopped") {
      const waiters = this.waiters;
      this.waiters = [];
      for (const resolve of waiters) resolve(state === "running");
    }
    this.rt.changed();
  }
}
