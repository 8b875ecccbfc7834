import type { BackupOperation, BackupRecord, CheckRecord } from "../../shared/backup";
import type { UserErrorInfo } from "../../shared/errors";
import { readTextIfExists, writeFileSafely } from "../store/files";

/** What the backup service remembers across restarts: the last good backup, the last failure, the last check. */
export interface BackupMemory {
  lastSuccess?: BackupRecord;
  lastFailure?: { at: number; operation: BackupOperation; error: UserErrorInfo };
  lastCheck?: CheckRecord;
  /** When the last scheduled run was due (a missed one runs once when podhost is back). */
  lastScheduledAt?: number;
}

export async function readMemory(path: string): Promise<BackupMemory> {
  const text = await readTextIfExists(path).catch(() => undefined);
  if (!text) return {};
  try {
    return JSON.parse(text) as BackupMemory;
  } catch {
    return {};
  }
}

export async function writeMemory(path: string, memory: BackupMemory): Promise<void> {
  await writeFileSafely(path, `${JSON.stringify(memory, null, 2)}\n`, 0o600);
}
