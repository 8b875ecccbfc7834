import { basename } from "node:path";
import { defaultSettings, settingsVersion, type Settings } from "../../shared/settings";
import type { Notice } from "../../shared/notices";
import { podhostVersion } from "../version";
import { migrate, migrations, type Migration } from "./migrations";
import { asObject, keepBackup, readJsonFile, writeFileSafely } from "./files";
import { readLeniently } from "./settings-file";

export interface LoadedSettings {
  settings: Settings;
  /** What the user should know about the file (a field that fell back, a damaged or newer file, a migration). */
  notices: Notice[];
  /** Keys in the file that this podhost does not know: written back as they were. */
  unknown: Record<string, unknown>;
  /** Set when the file must never be rewritten (it comes from a newer podhost): why, for the refusal. */
  readOnly?: string;
}

/**
 * settings.json: `{ "version": N, "podhost": "X.Y.Z", "settings": {...} }`, where `podhost` is
 * the version that wrote it. Loading only reads: it never moves or rewrites the file, so a
 * read-only command like `config get` leaves everything as it was. Saving keeps the file it
 * replaces as a dated backup.
 */
export class SettingsStore {
  constructor(
    readonly path: string,
    private readonly steps: Record<number, Migration> = migrations,
    private readonly currentVersion = settingsVersion,
    private readonly version = podhostVersion(),
  ) {}

  async load(): Promise<LoadedSettings> {
    const name = basename(this.path);
    const read = await readJsonFile(this.path);
    if (read.state === "missing") return { settings: defaultSettings(), notices: [], unknown: {} };
    const file = read.state === "ok" ? asObject(read.value) : undefined;
    const fileVersion = file?.version;
    if (!file || typeof fileVersion !== "number") {
      const reason = read.state === "damaged" ? read.reason : 'it has no "version" number';
      return {
        settings: defaultSettings(),
        unknown: {},
        notices: [{ id: "settings-damaged", text: `The settings file ${this.path} could not be used (${reason}), so podhost runs with default settings. The file is left as it is: fix it and restart podhost, or set things again in Settings (the file is then kept in backups/).` }],
      };
    }
    const raw = asObject(file.settings) ?? {};
    if (fileVersion > this.currentVersion) {
      const writer = typeof file.podhost === "string" ? file.podhost : `a newer version (settings version ${fileVersion})`;
      const readOnly = `This settings file is from podhost ${writer}; this is podhost ${this.version}, which would lose what the newer one saved. Update podhost to change settings.`;
      const lenient = readLeniently(raw, name);
      return { ...lenient, readOnly, notices: [{ id: `settings-newer-${fileVersion}`, text: `${readOnly} Until then podhost uses the settings it understands and changes nothing.` }, ...lenient.notices] };
    }
    let migrated: Record<string, unknown>;
    try {
      migrated = migrate(raw, fileVersion, this.currentVersion, this.steps);
    } catch (error) {
      return { settings: defaultSettings(), unknown: {}, notices: [{ id: "settings-damaged", text: `The settings file ${this.path} could not be updated to this podhost (${(error as Error).message}), so podhost runs with default settings and leaves the file as it is.` }] };
    }
    const lenient = readLeniently(migrated, name);
    const updated = fileVersion < this.currentVersion ? [{ id: `settings-migrated-${fileVersion}`, text: `Settings were updated from version ${fileVersion} to ${this.currentVersion}.` }] : [];
    return { ...lenient, notices: [...updated, ...lenient.notices] };
  }

  /** Write `settings` (with the unknown keys put back); the file replaced goes to backups/ first. */
  async save(content: Record<string, unknown>, now = new Date()): Promise<void> {
    await keepBackup(this.path, now);
    await writeFileSafely(this.path, `${JSON.stringify({ version: this.currentVersion, podhost: this.version, settings: content }, null, 2)}\n`, 0o600);
  }
}
