import { createHash } from "node:crypto";
import { applySettingsChanges, expandChanges, getPath, isSecretKey, secretSpecs, type Settings } from "../../shared/settings";
import { settingsProblems } from "../../shared/settings-checks";
import { UserError } from "../../shared/errors";
import type { Notice } from "../../shared/notices";
import type { SettingsView } from "../../shared/api";
import { dataPaths } from "./paths";
import { SettingsStore } from "./settings-store";
import { SecretsStore } from "./secrets";
import { NoticeBook } from "./notices";
import { withUnknownKeys } from "./settings-file";

/** The longest secret accepted: real DNS tokens and TSIG keys are far shorter. */
const maxSecretLength = 1024;

/**
 * What may no longer change, from outside the settings (the pod's identity): keys with the
 * reason, and notices about the lock itself (a damaged identity file).
 */
export interface SettingsLock {
  locked(): Record<string, string>;
  notices(): Notice[];
}

/**
 * Settings and secrets of one data dir: load, validate changes (schema, whole-settings rules and
 * locks), save. The daemon's Host and the CLI's offline `config set` share it, so both validate
 * alike. Opening only reads; a settings file from a newer podhost makes it read-only.
 */
export class SettingsManager {
  /** Ports podhost holds outside the settings (the UI's), by what they are. */
  private readonly reserved: Record<string, number> = {};

  private constructor(
    private current: Settings,
    private unknown: Record<string, unknown>,
    private readonly readOnly: string | undefined,
    private readonly store: SettingsStore,
    readonly secrets: SecretsStore,
    private readonly lock: SettingsLock,
    private readonly book: NoticeBook,
  ) {}

  static async open(dataDir: string, lock: SettingsLock): Promise<SettingsManager> {
    const paths = dataPaths(dataDir);
    const store = new SettingsStore(paths.settings);
    const secrets = new SecretsStore(paths.secrets);
    const loaded = await store.load();
    const book = await NoticeBook.open(paths.notices, [...loaded.notices, ...(await secrets.load())]);
    return new SettingsManager(loaded.settings, loaded.unknown, loaded.readOnly, store, secrets, lock, book);
  }

  /** Read settings and secrets from disk again (a restore replaced the files). */
  async reload(): Promise<void> {
    const loaded = await this.store.load();
    this.notices.push(...loaded.notices, ...(await this.secrets.load()));
    this.current = loaded.settings;
  }

  get settings(): Settings {
    return this.current;
  }

  /** Every notice to show: the stored ones and the lock's own (which go away with their cause). */
  get notices(): Notice[] {
    return [...this.book.list(), ...this.lock.notices().filter((notice) => !this.book.isDismissed(notice.id))];
  }

  view(): SettingsView {
    const secrets = Object.fromEntries(
      Object.keys(secretSpecs).map((key) => {
        const hint = this.secrets.hint(key);
        return [key, hint === undefined ? { set: false } : { set: true, hint }];
      }),
    );
    return { settings: this.current, secrets, locked: this.lock.locked(), revision: this.revision };
  }

  /**
   * Names what is saved now, settings and secrets (a digest of both, so it survives a daemon
   * restart and a change made offline by the CLI changes it too). A client that saves with the
   * revision it read is refused if anyone saved since.
   */
  get revision(): string {
    return createHash("sha256").update(JSON.stringify([this.current, this.secrets.all()])).digest("hex").slice(0, 16);
  }

  /** A port podhost listens on outside the settings: settings that would take it are refused. */
  reservePort(what: string, port: number): void {
    this.reserved[what] = port;
  }

  /**
   * Validate `changes` (dotted key or group -> value) as a whole, then save settings and secrets.
   * Nothing is saved if any is refused, or if `baseRevision` is not what is saved now.
   */
  async change(changes: Record<string, unknown>, baseRevision?: string): Promise<void> {
    if (this.readOnly) throw new UserError({ code: "settings-read-only", message: this.readOnly, fix: "Install the newer podhost again, or move settings.json away to start over (podhost keeps nothing else in it)." });
    if (baseRevision !== undefined && baseRevision !== this.revision) throw changedElsewhere();
    const secretChanges = Object.entries(changes).filter(([key]) => isSecretKey(key));
    const settingChanges = Object.fromEntries(Object.entries(changes).filter(([key]) => !isSecretKey(key)));
    for (const [key, value] of secretChanges) {
      if (typeof value !== "string") throw new UserError({ code: "invalid-setting", field: key, message: `${key} must be text.` });
      if (value.length > maxSecretLength) throw new UserError({ code: "invalid-setting", field: key, message: `${key} can be at most ${maxSecretLength} characters long (this one has ${value.length}).` });
    }
    const next = applySettingsChanges(this.current, settingChanges);
    const keys = Object.keys(expandChanges(settingChanges));
    // applySettingsChanges checked the settings among themselves; this adds the ports podhost holds besides.
    const clash = settingsProblems(next, keys, this.reserved)[0];
    if (clash) throw new UserError({ code: "invalid-setting", field: clash.field, message: clash.message });
    const locked = this.lock.locked();
    for (const key of keys) {
      const reason = Object.entries(locked).find(([lockedKey]) => key === lockedKey || key.startsWith(`${lockedKey}.`) || lockedKey.startsWith(`${key}.`))?.[1];
      if (reason && JSON.stringify(getPath(next, key)) !== JSON.stringify(getPath(this.current, key))) {
        throw new UserError({ code: "locked-setting", field: key, message: reason });
      }
    }
    if (keys.length > 0) {
      await this.store.save(withUnknownKeys(next, this.unknown));
      this.current = next;
    }
    for (const [key, value] of secretChanges) await this.secrets.set(key, value as string);
    // The file no longer holds what a notice was about: keep the notice until its field is set or it is dismissed.
    this.book.resolve([...keys, ...secretChanges.map(([key]) => key)]);
    if (keys.length > 0 || secretChanges.length > 0) await this.book.save();
  }

  async dismissNotice(id: string): Promise<void> {
    await this.book.dismiss(id, this.lock.notices().map((notice) => notice.id));
  }
}

function changedElsewhere(): UserError {
  return new UserError({
    code: "settings-changed-elsewhere",
    message: "These settings were changed elsewhere (another window or `podhost config set`) since you loaded them: reload or overwrite.",
    fix: "Reload to see the saved values (your unsaved edits are dropped), or Overwrite to save yours over them.",
  });
}
