import { UserError } from "../../shared/errors";
import { getPath, isSecretKey, isSettingsKey, settingsFields } from "../../shared/settings";
import type { SettingsView } from "../../shared/api";
import { SettingsManager } from "../store/settings-manager";
import { identityLock } from "../pod";
import { ControlClient, NoDaemonError } from "./client";

/** `config set` takes a value that parses as JSON as JSON (numbers, booleans, lists), else as text. */
export function parseConfigValue(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * Settings through the daemon when it runs (so it applies them at once), else straight in the
 * files with the very same validation, so nothing differs but the timing.
 */
export async function withSettings<T>(dataDir: string, use: (access: SettingsAccess) => Promise<T>): Promise<T> {
  const client = new ControlClient(dataDir);
  try {
    return await use({ get: () => client.call("settings.get", {}), set: (changes) => client.call("settings.set", { changes }) });
  } catch (error) {
    if (!(error instanceof NoDaemonError)) throw error;
  }
  // The identity lock holds here exactly as in the daemon: the same manager, the same lock.
  const manager = await SettingsManager.open(dataDir, identityLock(dataDir));
  for (const notice of manager.notices) console.error(`! ${notice.text}`);
  return use({
    get: async () => manager.view(),
    set: async (changes) => {
      await manager.change(changes);
      return manager.view();
    },
  });
}

export interface SettingsAccess {
  get(): Promise<SettingsView>;
  set(changes: Record<string, unknown>): Promise<SettingsView>;
}

export function formatConfigGet(view: SettingsView, key: string | undefined): string {
  if (key !== undefined) {
    if (isSecretKey(key)) return view.secrets[key]?.set ? `${view.secrets[key]?.hint ?? "set"} (secret; not shown)` : "(not set)";
    if (!isSettingsKey(key)) throw new UserError({ code: "unknown-setting", field: key, message: `There is no setting called "${key}".`, fix: "Run `podhost config get` to list them." });
    const value = getPath(view.settings, key);
    return typeof value === "string" ? value : JSON.stringify(value, null, 2);
  }
  return settingsFields()
    .map((field) => {
      const value = isSecretKey(field.key) ? (view.secrets[field.key]?.set ? view.secrets[field.key]?.hint ?? "set" : "(not set)") : JSON.stringify(getPath(view.settings, field.key));
      const lock = view.locked[field.key] ? "  (locked)" : "";
      return `${field.key} = ${value}${lock}`;
    })
    .join("\n");
}
