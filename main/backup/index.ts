import type { ServiceContext } from "../service";
import type { PodDatabase } from "../pod/database";
import { createBackupServiceWith, type BackupReason, type BackupService } from "./service";

export interface BackupDeps {
  ctx: ServiceContext;
  password: () => string | undefined;
  openDatabase: () => Promise<PodDatabase | undefined>;
  /** The environment restic, pg_dump and the dump command run with; default process.env. */
  env?: NodeJS.ProcessEnv;
}

export type { BackupReason, BackupService };
export type { RestoredFiles } from "./restore-job";

export function createBackupService(deps: BackupDeps): BackupService {
  return createBackupServiceWith({ ...deps, env: deps.env ?? process.env });
}
