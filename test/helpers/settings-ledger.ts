import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { isDeepStrictEqual } from "node:util";
import { expandChanges, getPath } from "../../shared/settings";

/**
 * What each test set (or last read back) through the podhost CLI, per data dir, checked when the
 * dir is cleaned up: over the whole suite no test may leave a settings file that differs from what
 * it set (a key reset that the test did not name, a value podhost dropped).
 */
const ledger = new Map<string, Map<string, unknown>>();

export function recordSettingsSet(dataDir: string, changes: Record<string, unknown>): void {
  const expected = ledger.get(dataDir) ?? new Map<string, unknown>();
  for (const [key, value] of Object.entries(expandChanges(changes))) {
    for (const other of [...expected.keys()]) if (other.startsWith(`${key}.`) || key.startsWith(`${other}.`)) expected.delete(other);
    expected.set(key, value);
  }
  ledger.set(dataDir, expected);
}

/** Throws, naming the keys, when the settings file no longer holds what was set in `dataDir`. */
export function checkSettingsLedger(dataDir: string): void {
  const expected = ledger.get(dataDir);
  ledger.delete(dataDir);
  if (!expected || expected.size === 0) return;
  const path = join(dataDir, "settings.json");
  const settings = existsSync(path) ? (JSON.parse(readFileSync(path, "utf8")) as { settings?: unknown }).settings : undefined;
  const differences = [...expected].filter(([key, value]) => !isDeepStrictEqual(getPath(settings, key), value));
  if (differences.length > 0) {
    throw new Error(`The test left ${path} different from what it set: ${differences.map(([key, value]) => `${key} is ${JSON.stringify(getPath(settings, key))}, set to ${JSON.stringify(value)}`).join("; ")}`);
  }
}
