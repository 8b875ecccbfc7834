import type { Settings } from "../shared/settings";
import type { ServiceStatus } from "../shared/service-status";
import type { Logger } from "./log";

/** What every capability gets from the daemon; tests hand in a temp dir, a real logger and their own clock. */
export interface ServiceContext {
  /** podhost's data dir; a service keeps its files under `<dataDir>/<service>/`. */
  dataDir: string;
  log: Logger;
  clock: Clock;
}

export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): { cancel(): void };
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout(fn, ms) {
    const timer = setTimeout(fn, ms);
    timer.unref?.();
    return { cancel: () => clearTimeout(timer) };
  },
};

/**
 * A capability (pod, proxy, certs, ports, dns) as Host drives it. Host calls `configure`
 * at start-up and after every settings change, `start`/`stop` when the user starts or stops
 * the pod, and reads `status` whenever `onChange` fires. User mistakes never throw out of
 * `configure`: they show in the status with the fix.
 */
export interface Service<S extends ServiceStatus> {
  configure(settings: Settings): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
  status(): S;
  onChange(listener: () => void): () => void;
}

/** A tiny change notifier for services: `changed()` after every status change. */
export class ChangeEmitter {
  private readonly listeners = new Set<() => void>();

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  changed(): void {
    for (const listener of this.listeners) listener();
  }
}
