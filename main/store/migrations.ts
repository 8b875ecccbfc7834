/**
 * Settings file migrations: `migrations[n]` turns a version-n file's settings into version n+1.
 * Version 1 is the first; add a step here (and bump settingsVersion) when a key moves or changes meaning.
 */
export type Migration = (settings: Record<string, unknown>) => Record<string, unknown>;

export const migrations: Record<number, Migration> = {};

export function migrate(settings: Record<string, unknown>, from: number, to: number, steps: Record<number, Migration> = migrations): Record<string, unknown> {
  let current = settings;
  for (let version = from; version < to; version++) {
    const step = steps[version];
    if (!step) throw new Error(`no migration from settings version ${version} to ${version + 1}`);
    current = step(current);
  }
  return current;
}
