import { join } from "node:path";
import type { PodProcessStatus, PodState } from "../../shared/pod";
import type { Logger } from "../log";
import type { Clock } from "../service";
import type { PidJournal } from "./pid-journal";
import { ProcessLog } from "./process-log";
import { sampleGroup, type CpuSample } from "./proc-stats";
import type { RestartPolicyOptions } from "./restart-policy";
import type { LogLimits } from "../system/rotating-file";
import { SupervisedProcess, type ProcessSpec } from "./supervised-process";

export interface SupervisorOptions {
  clock: Clock;
  /** The pod's logger (source "pod"): each process logs to `log.child(name)`, so its lines read "pod/web". */
  log: Logger;
  logDir: string;
  logLimits: LogLimits;
  journal: PidJournal;
  stopTimeoutMs: number;
  policy?: RestartPolicyOptions;
  readyPollMs?: number;
  healthIntervalMs?: number;
  /** Any change of state, health or crash. */
  changed(): void;
}

type Phase = "stopped" | "starting" | "started" | "stopping" | "crashed";

/** The crash loop that stopped the pod: which process, and what it said last. */
export interface CrashReport {
  name: string;
  crashes: number;
  lastLines: string[];
  logFile: string;
}

/**
 * Runs the pod's processes in order (dependencies, web, workers), each only after the one
 * before passed its readiness check; stops them in reverse. A crash loop in any process stops
 * the whole pod: a web without its workers (or the other way round) is not a working pod.
 */
export class Supervisor {
  private processes: SupervisedProcess[] = [];
  private logs: ProcessLog[] = [];
  private phase: Phase = "stopped";
  private crash: CrashReport | undefined;
  private cpuSamples = new Map<string, { pid: number; cpu: CpuSample; cpuPercent?: number }>();
  private stopTimeoutMs: number;

  constructor(private readonly options: SupervisorOptions) {
    this.stopTimeoutMs = options.stopTimeoutMs;
  }

  setStopTimeout(ms: number): void {
    this.stopTimeoutMs = ms;
  }

  /** Start `specs` in order; resolves with how it ended up. Call only when stopped. */
  async start(specs: ProcessSpec[]): Promise<"running" | "crashed" | "stopped"> {
    this.closeLogs();
    this.crash = undefined;
    this.phase = "starting";
    this.logs = specs.map((spec) => new ProcessLog(join(this.options.logDir, `pod-${spec.name}.log`), this.options.logLimits, this.options.log.child(spec.name), this.options.clock));
    this.processes = specs.map((spec, i) => new SupervisedProcess(spec, {
      clock: this.options.clock,
      journal: this.options.journal,
      log: this.logs[i]!,
      ...(this.options.policy ? { policy: this.options.policy } : {}),
      readyPollMs: this.options.readyPollMs ?? 100,
      healthIntervalMs: this.options.healthIntervalMs ?? 5_000,
      changed: () => this.options.changed(),
      gaveUp: (process, crashes) => this.onGaveUp(process, crashes),
    }));
    this.options.changed();
    for (const process of this.processes) {
      if (this.phase !== "starting") break;
      process.start();
      if (!(await process.whenReady())) break;
    }
    if (this.phase === "starting") {
      this.phase = "started";
      this.options.changed();
    }
    return this.phase === "started" ? "running" : this.phase === "crashed" ? "crashed" : "stopped";
  }

  async stop(): Promise<void> {
    if (this.phase !== "crashed") this.phase = "stopping";
    this.options.changed();
    for (const process of [...this.processes].reverse()) await process.stop(this.stopTimeoutMs);
    if (this.phase === "stopping") this.phase = "stopped";
    this.options.changed();
  }

  /** Forget a crash report (the user acknowledged it by starting or stopping again). */
  clearCrash(): void {
    this.crash = undefined;
    if (this.phase === "crashed") this.phase = "stopped";
  }

  state(): PodState {
    switch (this.phase) {
      case "stopped":
      case "stopping":
      case "crashed":
      case "starting":
        return this.phase;
      case "started":
        return this.processes.every((p) => p.state === "running" && p.healthy) ? "running" : "degraded";
    }
  }

  crashReport(): CrashReport | undefined {
    return this.crash;
  }

  /** Each process's status, with CPU and memory of its whole process group (Linux, best effort). */
  processStatus(): PodProcessStatus[] {
    return this.processes.map((process) => {
      const status = process.status();
      const pid = process.runningPid();
      if (pid === undefined) return status;
      const now = this.options.clock.now();
      const previous = this.cpuSamples.get(process.spec.name);
      // status() may be read many times a second: CPU is measured over at least a second.
      const fresh = !previous || previous.pid !== pid || now - previous.cpu.at >= 1_000;
      const sample = sampleGroup(pid, now, fresh && previous?.pid === pid ? previous.cpu : undefined);
      if (!sample) return status;
      const cpuPercent = fresh ? sample.cpuPercent : previous.cpuPercent;
      if (fresh) this.cpuSamples.set(process.spec.name, { pid, cpu: sample.cpu, ...(cpuPercent !== undefined ? { cpuPercent } : {}) });
      return { ...status, rssBytes: sample.rssBytes, ...(cpuPercent !== undefined ? { cpuPercent } : {}) };
    });
  }

  /** Which processes are unhealthy or restarting, for the status sentence. */
  troubled(): string[] {
    return this.processes.filter((p) => p.state !== "running" || !p.healthy).map((p) => p.spec.name);
  }

  close(): void {
    this.closeLogs();
  }

  private onGaveUp(process: SupervisedProcess, crashes: number): void {
    const log = this.logs[this.processes.indexOf(process)]!;
    this.crash = { name: process.spec.name, crashes, lastLines: log.lastLines(), logFile: log.path };
    this.phase = "crashed";
    this.options.changed();
    void (async () => {
      for (const other of [...this.processes].reverse()) if (other !== process) await other.stop(this.stopTimeoutMs);
      this.options.changed();
    })();
  }

  private closeLogs(): void {
    for (const log of this.logs) log.close();
    this.logs = [];
  }
}
