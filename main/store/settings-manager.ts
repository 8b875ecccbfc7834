import { createHash } from "node:crypto";
import { applySettingsChanges, getPath, isSecretKey, secretSpecs, type Settings } from "../../shared/settings";
import { UserError } from "../../shared/errors";
import type { SettingsView } from "../../shared/api";
import { dataPaths } from "./paths";
import { SettingsStore } from "./settings-store";
import { SecretsStore } from "./secrets";

/** Keys that may no longer change, with the reason (e.g. the pod's URL after its first start). */
export type LockedKeys = () => Record<string, string>;

/**
 * Settings and secrets of one data dir: load, validate changes (schema and locks), save.
 * The daemon's Host and the CLI's offline `config set` share it, so both validate alike.
 */
export class SettingsManager {
  private constructor(
    private current: Settings,
    private readonly store: SettingsStore,
    readonly secrets: SecretsStore,
    private readonly locked: LockedKeys,
    readonly notices: string[],
  ) {}

  static async open(dataDir: string, locked: LockedKeys = () => ({})): Promise<SettingsManager> {
    const paths = dataPaths(dataDir);
    const store = new SettingsStore(paths.settings);
    const secrets = new SecretsStore(paths.secrets);
    const loaded = await store.load();
    const notices = [...loaded.notices, ...(await secrets.load())];
    return new SettingsManager(loaded.settings, store, secrets, locked, notices);
  }

  get settings(): Settings {
    return this.current;
  }

  view(): SettingsView {
    const secrets = Object.fromEntries(
      Object.keys(secretSpecs).map((key) => {
        const hint = this.secrets.hint(key);
        return [key, hint === undefined ? { set: false } : { set: true, hint }];
      }),
    );
    return { settings: this.current, secrets, locked: this.locked(), revision: this.revision };
  }

  /**
   * Names what is saved now, settings and secrets (a digest of both, so it survives a daemon
   * restart and a change made offline by the CLI changes it too). A client that saves with the
   * revision it read is refused if anyone saved since.
   */
  get revision(): string {
    return createHash("sha256").update(JSON.stringify([this.current, this.secrets.all()])).digest("hex").slice(0, 16);
  }

  /** Validate `changes` (dotted key -> value) as a whole, then save settings and secrets. Nothing is saved if any is refused. */
  async change(changes: Record<string, unknown>, baseRevision?: string): Promise<void> {
    if (baseRevision !== undefined && baseRevision !== this.revision) throw changedElsewhere();
    const secretChanges = Object.entries(changes).filter(([key]) => isSecretKey(key));
    const settingChanges = Object.fromEntries(Object.entries(changes).filter(([key]) => !isSecretKey(key)));
    for (const [key, value] of secretChanges) {
      if (typeof value !== "string") throw new UserError({ code: "invalid-setting", field: key, message: `${key} must be text.` });
    }
    const next = applySettingsChanges(this.current, settingChanges);
    const locked = this.locked();
    for (const key of Object.keys(settingChanges)) {
      const reason = Object.entries(locked).find(([lockedKey]) => key === lockedKey || key.startsWith(`${lockedKey}.`) || lockedKey.startsWith(`${key}.`))?.[1];
      if (reason && JSON.stringify(getPath(next, key)) !== JSON.stringify(getPath(this.current, key))) {
        throw new UserError({ code: "locked-setting", field: key, message: reason });
      }
    }
    if (Object.keys(settingChanges).length > 0) {
      await this.store.save(next);
      this.current = next;
    }
    for (const [key, value] of secretChanges) await this.secrets.set(key, value as string);
  }
}

function changedElsewhere(): UserError {
  return new UserError({
    code: "settings-changed-elsewhere",
    message: "These settings were changed elsewhere (another window or `podhost config set`) since you loaded them: reload or overwrite.",
    fix: "Reload to see the saved values (your unsaved edits are dropped), or Overwrite to save yours over them.",
  });
}
