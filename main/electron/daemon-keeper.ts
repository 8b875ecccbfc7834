import { spawn, type ChildProcess } from "node:child_process";
import { readFile } from "node:fs/promises";
import { ControlClient } from "../cli/client";
import { findRunningDaemon, type DaemonInfo } from "../daemon/discovery";
import { stopLine } from "../daemon/parent-watch";
import { dataPaths } from "../store/paths";
import { signalTree } from "../system/process-tree";

/** How long a daemon gets to come up, and to stop in order beyond the pod's own stop timeout. */
const startupMs = 60_000;
const stopGraceMs = 15_000;
/** A daemon that dies this often within a minute is reported, not restarted again. */
const maxCrashesPerMinute = 3;

export interface DaemonKeeperOptions {
  dataDir: string;
  /**
   * Starts `podhost serve --ui-port 0` with PODHOST_PARENT_PIPE=stdin and stdin a pipe (the tray
   * app: its own binary run as Node). Stopping, and the daemon noticing the tray is gone, go
   * through that pipe.
   */
  spawnDaemon: () => ChildProcess;
  /** Told each time a daemon answers (at the start, and after a restart: its address may have changed). */
  onDaemonReady?: (uiUrl: string) => void;
  /** Told when the daemon the tray started died unexpectedly: restarting, or given up. */
  onDaemonExit?: (event: { code: number | null; restarting: boolean }) => void;
  now?: () => number;
}

export type Ownership = "owned" | "attached";

/**
 * `podhost serve` as the tray's child: its own process (proxy load never stalls the tray), our
 * pipe on its stdin, its own process group on POSIX (stopped whole; on Windows `detached` would
 * open a console window), no window at all on Windows. `execPath` runs `cliPath` as Node (the
 * Electron binary with ELECTRON_RUN_AS_NODE in `env`).
 */
export function spawnDaemonProcess(options: { execPath: string; cliPath: string; dataDir: string; env?: NodeJS.ProcessEnv; platform?: NodeJS.Platform }): ChildProcess {
  return spawn(options.execPath, [options.cliPath, "--data-dir", options.dataDir, "serve", "--ui-port", "0"], {
    env: { ...process.env, ...options.env, PODHOST_PARENT_PIPE: "stdin" },
    stdio: ["pipe", "ignore", "ignore"],
    detached: (options.platform ?? process.platform) !== "win32",
    windowsHide: true,
  });
}

/** What quitting did, for the tray to say. */
export type QuitOutcome = "stopped" | "pod-stopped" | "left-running";

/**
 * The tray's side of the daemon's life: attach to the daemon already serving this data dir
 * (`podhost serve` as a service, or one an earlier tray left running), else start one and keep it
 * (bounded restarts); on quit, stop the pod in order, or leave it running when the user chose so.
 */
export class DaemonKeeper {
  readonly client: ControlClient;
  private child: ChildProcess | undefined;
  private info: DaemonInfo | undefined;
  private quitting = false;
  private readonly crashes: number[] = [];

  constructor(private readonly options: DaemonKeeperOptions) {
    this.client = new ControlClient(options.dataDir);
  }

  get ownership(): Ownership {
    return this.child ? "owned" : "attached";
  }

  get pid(): number | undefined {
    return this.info?.pid;
  }

  /** Attach or start; resolves with the UI's address (access key in the fragment) once the daemon answers. */
  async connect(): Promise<string> {
    const paths = dataPaths(this.options.dataDir);
    this.info = await findRunningDaemon(paths);
    if (!this.info) {
      const child = this.start();
      this.info = await this.waitForDaemon(child);
    }
    const token = (await readFile(paths.token, "utf8")).trim();
    const uiUrl = `${this.info.url}#token=${token}`;
    this.options.onDaemonReady?.(uiUrl);
    return uiUrl;
  }

  /**
   * Quit: the pod stops in order before the tray goes, unless `keepPodRunning`. A daemon the tray
   * did not start keeps running (it belongs to a service or a terminal); only its pod is stopped.
   */
  async quit(keepPodRunning: boolean): Promise<QuitOutcome> {
    this.quitting = true;
    const child = this.child;
    if (!child) {
      if (keepPodRunning) return "left-running";
      await this.client.call("pod.stop", {});
      return "pod-stopped";
    }
    if (keepPodRunning) {
      // The daemon reads the same setting when its pipe closes, and runs on without the tray.
      child.stdin?.end();
      child.unref();
      return "left-running";
    }
    const exited = new Promise<void>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once("exit", () => resolve())));
    child.stdin?.write(`${stopLine}\n`);
    const stopTimeoutMs = await this.client.call("settings.get", {}).then((view) => view.settings.pod.stopTimeoutMs, () => 20_000);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<"late">((resolve) => (timer = setTimeout(() => resolve("late"), stopTimeoutMs + stopGraceMs)));
    const outcome = await Promise.race([exited, late]);
    clearTimeout(timer);
    if (outcome === "late" && child.pid !== undefined) {
      await signalTree(child.pid, "SIGKILL");
      await exited;
    }
    return "stopped";
  }

  private start(): ChildProcess {
    const child = this.options.spawnDaemon();
    this.child = child;
    child.once("exit", (code) => this.onExit(child, code));
    return child;
  }

  private onExit(child: ChildProcess, code: number | null): void {
    if (this.quitting || this.child !== child) return;
    this.child = undefined;
    const now = (this.options.now ?? Date.now)();
    this.crashes.push(now);
    while (this.crashes.length > 0 && now - this.crashes[0]! > 60_000) this.crashes.shift();
    const restarting = this.crashes.length < maxCrashesPerMinute;
    this.options.onDaemonExit?.({ code, restarting });
    if (restarting) void this.connect().catch(() => undefined);
  }

  /** Polls until the daemon we started has written its address and answers on the local socket. */
  private async waitForDaemon(child: ChildProcess): Promise<DaemonInfo> {
    const paths = dataPaths(this.options.dataDir);
    const deadline = Date.now() + startupMs;
    let exitCode: number | null | undefined;
    child.once("exit", (code) => (exitCode = code));
    for (let delay = 50; ; delay = Math.min(delay * 2, 500)) {
      const info = await findRunningDaemon(paths);
      if (info && (await this.client.status().then(() => true, () => false))) {
        // Another tray or `podhost serve` won the race for this data dir: attach to it instead.
        if (info.pid !== child.pid) this.child = undefined;
        return info;
      }
      if (exitCode !== undefined && !info) throw new Error(`podhost's background service stopped as it started (exit code ${exitCode}); see the log in ${paths.logs}.`);
      if (Date.now() > deadline) throw new Error(`podhost's background service did not answer within ${startupMs / 1000} s; see the log in ${paths.logs}.`);
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}
