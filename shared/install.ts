import * as z from "zod";
import type { UserErrorInfo } from "./errors";
import type { ServiceStatus } from "./service-status";

/**
 * "Install diaspora* for me" and upgrades: the steps, their typical durations, the system check
 * and the status the installer reports. Pure data shared by the daemon, the UI and the CLI.
 */
export const defaultRepository = "https://github.com/diaspora/diaspora.git";

/** Settings > Pod > Install and upgrade (`pod.install.*`). */
export const installSettings = z.object({
  repository: z
    .string()
    .trim()
    .min(1, "pod.install.repository must be a git repository URL or path, like https://github.com/diaspora/diaspora.git.")
    // git would read a leading dash as one of its own options.
    .refine((v) => !v.startsWith("-"), "pod.install.repository must be a git repository URL or path, like https://github.com/diaspora/diaspora.git (not starting with -).")
    .default(defaultRepository)
    .describe("Where podhost gets diaspora* releases with git (a URL, or a path on this computer)."),
  checkReleases: z
    .boolean({ error: "pod.install.checkReleases is true or false." })
    .default(false)
    .describe("Look for new diaspora* releases in pod.install.repository (git ls-remote), at most once a day. Off: podhost never asks by itself."),
});
export type InstallSettings = z.infer<typeof installSettings>;

export const installStepIds = ["check", "fetch", "configure", "bundle", "migrate", "assets"] as const;
export const upgradeStepIds = ["backup", "stop", "dump", "fetch", "bundle", "migrate", "assets", "start", "health"] as const;
export type StepId = (typeof installStepIds)[number] | (typeof upgradeStepIds)[number];

export interface StepInfo {
  title: string;
  /** One sentence: what the step does, for the plan shown before anything runs. */
  what: string;
  /** How long the step usually takes on a home PC: the estimate shown while it runs. */
  typicalMs: number;
}

const minute = 60_000;
export const stepInfo: Record<StepId, StepInfo> = {
  check: { title: "Check this computer", what: "Looks for git, a C compiler, the libraries diaspora*'s gems build against, the Ruby version the release names, Bundler and Node.js (it reads the release's .ruby-version with git).", typicalMs: 0.5 * minute },
  fetch: { title: "Get diaspora*", what: "Checks out the release with git into podhost's data folder.", typicalMs: 1 * minute },
  configure: { title: "Write the configuration", what: "Writes config/diaspora.toml (the pod's address, where it listens, certificates, workers) and config/database.yml, and starts podhost's own Redis and PostgreSQL.", typicalMs: 0.5 * minute },
  bundle: { title: "Install the gems", what: "bin/bundle install into the checkout (deployment mode, PostgreSQL only): downloads and builds about 200 gems.", typicalMs: 12 * minute },
  migrate: { title: "Create the database", what: "RAILS_ENV=production bin/rake db:create db:migrate.", typicalMs: 2 * minute },
  assets: { title: "Build stylesheets and scripts", what: "RAILS_ENV=production bin/rake assets:precompile.", typicalMs: 6 * minute },
  backup: { title: "Back up", what: "A backup of the pod before anything changes.", typicalMs: 2 * minute },
  stop: { title: "Stop the pod", what: "Stops the pod's processes.", typicalMs: 0.3 * minute },
  dump: { title: "Save the database", what: "pg_dump of the pod's database, to put it back if the upgrade fails.", typicalMs: 1 * minute },
  start: { title: "Start the pod", what: "Starts the pod on the new release.", typicalMs: 1 * minute },
  health: { title: "Check the pod answers", what: "Asks the pod for its nodeinfo through podhost.", typicalMs: 0.2 * minute },
};

/** What podhost's own tests ran for real (the README and the plan say the same). */
export const installerTestedWith =
  "podhost's tests run this installer with real git, PostgreSQL and Redis, and with stand-ins for Ruby, Bundler and rake: no real diaspora* gems were installed in them.";

/** Disk a diaspora* install takes: the checkout, the gems in vendor/bundle, the built assets, the database to start with. */
export const installDiskBytes = 1.5 * 1024 ** 3;

export type OsFamily = "debian" | "fedora" | "arch" | "macos" | "windows" | "other";

/** One thing diaspora* needs from the computer, found or not, with the exact command that provides it. */
export interface SystemCheckItem {
  id: string;
  label: string;
  ok: boolean;
  /** What was found: a version, a path. */
  found?: string;
  /** When missing or wrong: what is needed, in words. */
  problem?: string;
  /** The command that installs it on this OS. */
  fix?: string;
}

export interface SystemCheck {
  os: { family: OsFamily; name: string };
  /** False on Windows: diaspora* does not run there. */
  supported: boolean;
  items: SystemCheckItem[];
  ok: boolean;
  checkedAt: number;
  /** The Ruby version the release names in .ruby-version, when known. */
  rubyVersion?: string;
}

/** Shown before anything runs: the steps, the disk and time they take, and where the pod will live. */
export interface InstallPlan {
  kind: "install" | "upgrade";
  version: string;
  from?: string;
  repository: string;
  dir: string;
  steps: Array<{ id: StepId } & StepInfo>;
  diskBytes: number;
  freeBytes?: number;
  typicalMs: number;
  testedWith: string;
}

export type StepState = "pending" | "running" | "done" | "failed" | "cancelled";

export interface StepStatus {
  id: StepId;
  title: string;
  state: StepState;
  startedAt?: number;
  endedAt?: number;
  estimateMs: number;
  /** The step's full log (kept after a failure). */
  logFile?: string;
}

export interface InstallFailure extends UserErrorInfo {
  step: StepId;
  logFile?: string;
  /** Upgrade: what podhost did to go back (the previous release and database). */
  rolledBack?: string;
}

export type JobState = "running" | "waiting" | "cancelling" | "rolling-back" | "failed" | "cancelled" | "done";

export interface InstallJob {
  kind: "install" | "upgrade";
  version: string;
  from?: string;
  dir: string;
  state: JobState;
  steps: StepStatus[];
  current?: StepId;
  /** The last lines the current (or failed) step printed, secrets redacted. */
  outputTail: string[];
  startedAt: number;
  endedAt?: number;
  failure?: InstallFailure;
  /** When waiting: what for. */
  waitingFor?: string;
  /** The last system check (step 1), with a fix for each missing piece. */
  check?: SystemCheck;
}

export interface ReleaseInfo {
  /** The release the pod's checkout is at, when podhost installed it. */
  installed?: string;
  latest?: string;
  checkedAt?: number;
  /** A newer stable release than the installed one. */
  upgrade?: string;
  error?: string;
}

export type InstallState = "idle" | JobState;

export interface InstallStatus extends ServiceStatus {
  state: InstallState;
  job?: InstallJob;
  releases: ReleaseInfo;
}

/** Stable releases look like v0.9.1.0: digits and dots only (no -rc, no beta). */
export function isStableTag(tag: string): boolean {
  return /^v?\d+(\.\d+)+$/.test(tag);
}

/** Sorts newest first, by numeric parts: v0.10.0.0 before v0.9.9.9. */
export function newestFirst(a: string, b: string): number {
  const parts = (tag: string) => tag.replace(/^v/, "").split(/[.-]/).map((part) => (/^\d+$/.test(part) ? Number(part) : -1));
  const [pa, pb] = [parts(a), parts(b)];
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const diff = (pb[i] ?? 0) - (pa[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
}

/** The step's estimate left, from its typical duration and how long it has run. */
export function remainingMs(job: InstallJob, now: number): number {
  let left = 0;
  for (const step of job.steps) {
    if (step.state === "pending") left += step.estimateMs;
    if (step.state === "running" && step.startedAt !== undefined) left += Math.max(step.estimateMs - (now - step.startedAt), 0);
  }
  return left;
}
