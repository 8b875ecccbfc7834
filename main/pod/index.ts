import type { ServiceContext } from "../service";
import { createPodServiceWith, type PodService } from "./pod-service";
import type { RestartPolicyOptions } from "./restart-policy";
import type { LogLimits } from "../system/rotating-file";

export interface PodDeps {
  ctx: ServiceContext;
  /** The environment pod processes inherit; default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Per-process log files; default 10 MB x 5. */
  logLimits?: LogLimits;
  restartPolicy?: RestartPolicyOptions;
  healthIntervalMs?: number;
}

export type { PodService };
export { identityLock, lockedSettings } from "./identity";

export function createPodService(deps: PodDeps): PodService {
  return createPodServiceWith({ ...deps, env: deps.env ?? process.env });
}
