import type { Settings } from "../../../shared/settings";
import type { OsFamily } from "../../../shared/install";
import type { Clock } from "../../service";
import type { JobRecord } from "./job";
import type { InstallServices } from "./services";

/** A step cannot run yet and waits for the user (e.g. the pod's domain, set in the next setup step). */
export class Waiting extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}

/** What the pod and the rest of podhost offer the upgrade, passed in by Host. */
export interface PodControl {
  stop(): Promise<void>;
  /** Start pod (with the proxy in front); resolves once it runs, or with why it does not. */
  start(): Promise<{ ok: boolean; reason?: string }>;
  /** The pod answers its nodeinfo through podhost's proxy. */
  healthy(): Promise<{ ok: boolean; reason?: string }>;
  /** A backup of the pod with podhost's backups (ok and a message saying so when they are not set up). */
  backup(): Promise<{ ok: boolean; message: string }>;
}

/** Everything a step may use; its writes go through `journal` so a cancel can undo them. */
export interface StepContext {
  job: JobRecord;
  settings: Settings;
  dataDir: string;
  os: OsFamily;
  env: NodeJS.ProcessEnv;
  clock: Clock;
  signal: AbortSignal;
  services: InstallServices;
  pod: PodControl;
  /** Run a command in the checkout (or `cwd`), every line into the step's log and output tail. */
  exec(command: string, args: string[], options?: { cwd?: string; env?: NodeJS.ProcessEnv }): Promise<void>;
  /** A line podhost itself says in the step's log. */
  say(text: string): void;
  /** Before writing `path`: remember it, so cancelling this step puts it back as it was. */
  journal(path: string): Promise<void>;
  /** Save the job (the rollback point) now. */
  persist(): Promise<void>;
}

export interface StepDefinition {
  run(ctx: StepContext): Promise<void>;
  /** Extra undo on cancel (beyond the journal), e.g. an emptied database. */
  undo?(ctx: StepContext): Promise<void>;
  /** What the step wrote stays when it fails (only a cancel undoes it): the release the check downloaded. */
  keepOnFailure?: boolean;
}
