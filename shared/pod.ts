import * as z from "zod";
import type { UserErrorInfo } from "./errors";
import { listOf, port, text, textRecord } from "./schema-helpers";
import type { ServiceStatus } from "./service-status";
import { installSettings } from "./install";

/** Settings > Pod. `profile` decides which fields matter. */
export const podSettings = z.object({
  profile: z.enum(["diaspora", "custom"], { error: 'pod.profile is "diaspora" or "custom".' }).default("diaspora").describe('Which pod software: "diaspora" (a diaspora* checkout) or "custom" (any command).'),
  dir: text("pod.dir", 4096).default("").describe("diaspora*: the folder of the diaspora* checkout."),
  command: text("pod.command", 4096).default("").describe("custom: the program to run."),
  args: listOf(text("pod.args[]", 4096), "pod.args", 256, "arguments (text)").default([]).describe("custom: its arguments (a JSON list)."),
  cwd: text("pod.cwd", 4096).default("").describe("custom: the folder it runs in."),
  env: textRecord("pod.env", 256, 32_768).default({}).describe("custom: extra environment variables (a JSON object)."),
  port: port("pod.port").default(3000).describe("The port the pod's web process listens on (127.0.0.1)."),
  socketPath: text("pod.socketPath", 108).default("").describe("custom: a unix socket the pod listens on instead of pod.port (empty: use the port)."),
  healthUrl: text("pod.healthUrl", 2048)
    .refine((v) => v === "" || /^https?:\/\/[^/]/.test(v), 'pod.healthUrl must be empty or an http:// URL, like "http://127.0.0.1:3000/health".')
    .default("")
    .describe("custom: a URL that answers 2xx when the pod is ready (else a TCP connect is the check)."),
  stopTimeoutMs: z
    .number({ error: "pod.stopTimeoutMs must be a number of milliseconds from 100 to 600000." })
    .int("pod.stopTimeoutMs must be a whole number of milliseconds.")
    .min(100, "pod.stopTimeoutMs must be from 100 to 600000 ms.")
    .max(600_000, "pod.stopTimeoutMs must be from 100 to 600000 ms.")
    .default(20_000)
    .describe("How long the pod gets to stop after SIGTERM before podhost kills it (SIGKILL), in milliseconds."),
  managedRedis: z.boolean({ error: "pod.managedRedis is true or false." }).default(false).describe("Start redis-server for the pod (bound to 127.0.0.1, data in podhost's data dir) when none is running."),
  managedPostgres: z
    .boolean({ error: "pod.managedPostgres is true or false." })
    .default(false)
    .describe("Run the pod's PostgreSQL inside podhost's data dir (a unix socket only, no network port), create its role and database, and point config/database.yml at it. Off: the pod uses the database in config/database.yml."),
  install: installSettings.prefault({}),
});
export type PodSettings = z.infer<typeof podSettings>;

export type PodState = "not-configured" | "stopped" | "starting" | "running" | "degraded" | "crashed" | "stopping";

export interface PodProcessStatus {
  /** "redis", "web", "sidekiq" (diaspora*) or "pod" (custom). */
  name: string;
  state: "starting" | "running" | "stopped" | "crashed" | "backoff";
  pid?: number;
  startedAt?: number;
  restarts: number;
  /** Best effort, Linux only: the whole process group. */
  cpuPercent?: number;
  rssBytes?: number;
  /** The rotated log file of this process. */
  logFile?: string;
}

/** One key podhost wrote into the pod's own config (diaspora.toml). */
export interface PodConfigChange {
  key: string;
  from?: string;
  to: string;
}

export interface PodStatus extends ServiceStatus {
  state: PodState;
  processes: PodProcessStatus[];
  /** What stops the pod from starting (a prerequisite, a busy port, the URL lock), each with its fix. */
  problems?: UserErrorInfo[];
  /** When the pod's port is taken: who holds it and a free port to use instead. */
  portConflict?: { port: number; holder?: { pid: number; program: string }; suggestedPort?: number };
  /** After a crash loop: the crashed process's last log lines (secrets redacted). */
  lastLines?: string[];
  /** What podhost changed in config/diaspora.toml at the last start. */
  configChanges?: PodConfigChange[];
  /** diaspora*: the permanent public URL, once the pod has started with it. */
  lockedUrl?: string;
}

/** `pod.check`: what would stop the pod from starting with the current settings, found without starting it. */
export interface PodCheck {
  problems: UserErrorInfo[];
  portConflict?: PodStatus["portConflict"];
}
