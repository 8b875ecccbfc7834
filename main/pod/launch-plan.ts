import type { UserErrorInfo } from "../../shared/errors";
import type { PodConfigChange, PodStatus } from "../../shared/pod";
import type { ProcessSpec } from "./supervised-process";

/** What a profile worked out before anything runs: the processes in start order, or why it cannot start. */
export interface LaunchPlan {
  specs: ProcessSpec[];
  problems: UserErrorInfo[];
  portConflict?: NonNullable<PodStatus["portConflict"]>;
  configChanges?: PodConfigChange[];
  /** diaspora*: the public URL to lock once the pod has started with it. */
  lockUrl?: string;
}
