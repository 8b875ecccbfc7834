import { defaultSettings, settingsSchema, settingsVersion, settingsError, type Settings } from "../../shared/settings";
import { describeError } from "../../shared/errors";
import { migrate, migrations, type Migration } from "./migrations";
import { moveAside, readTextIfExists, writeFileSafely } from "./files";

export interface LoadedSettings {
  settings: Settings;
  /** Plain-language notes about what happened while loading (a file moved aside, a migration). */
  notices: string[];
}

/**
 * settings.json: `{ "version": N, "settings": {...} }`. Loading never loses the user's file:
 * a broken one is moved aside and reported, and the daemon starts with defaults.
 */
export class SettingsStore {
  constructor(
    readonly path: string,
    private readonly steps: Record<number, Migration> = migrations,
    private readonly currentVersion = settingsVersion,
  ) {}

  async load(now = new Date()): Promise<LoadedSettings> {
    const text = await readTextIfExists(this.path);
    if (text === undefined) return { settings: defaultSettings(), notices: [] };
    const problem = this.parse(text);
    if ("settings" in problem) return problem;
    const movedTo = await moveAside(this.path, now);
    return {
      settings: defaultSettings(),
      notices: [`The settings file could not be used (${problem.reason}). It was kept as ${movedTo}; podhost started with default settings. Fix that file and copy it back, or set things again in Settings.`],
    };
  }

  async save(settings: Settings): Promise<void> {
    await writeFileSafely(this.path, `${JSON.stringify({ version: this.currentVersion, settings }, null, 2)}\n`, 0o600);
  }

  private parse(text: string): LoadedSettings | { reason: string } {
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (error) {
      return { reason: `it is not valid JSON: ${(error as Error).message}` };
    }
    if (typeof raw !== "object" || raw === null || typeof (raw as { version?: unknown }).version !== "number") {
      return { reason: 'it has no "version" number' };
    }
    const { version, settings } = raw as { version: number; settings?: unknown };
    if (version > this.currentVersion) return { reason: `it was written by a newer podhost (settings version ${version}; this one reads up to ${this.currentVersion})` };
    let migrated: Record<string, unknown>;
    try {
      migrated = migrate((settings ?? {}) as Record<string, unknown>, version, this.currentVersion, this.steps);
    } catch (error) {
      return { reason: (error as Error).message };
    }
    const parsed = settingsSchema.safeParse(migrated);
    if (!parsed.success) return { reason: describeError(settingsError(parsed.error)) };
    const notices = version < this.currentVersion ? [`Settings were updated from version ${version} to ${this.currentVersion}.`] : [];
    return { settings: parsed.data, notices };
  }
}
