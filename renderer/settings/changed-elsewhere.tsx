import type { SettingsView } from "../../shared/api";
import { getPath } from "../../shared/settings";
import type { FieldSpec } from "./fields";
import type { SaveResult } from "./SettingsSection";

/** The daemon's answer to a save against an old revision (see SettingsManager.change). */
export const changedElsewhereCode = "settings-changed-elsewhere";

export function isChangedElsewhere(result: SaveResult | undefined): boolean {
  return result !== undefined && "error" in result && result.error.code === changedElsewhereCode;
}

/** The fields whose saved value differs between two views (secrets: whether set, and the hint). */
export function changedKeys(fields: FieldSpec[], before: SettingsView, after: SettingsView): FieldSpec[] {
  if (before.revision === after.revision) return [];
  return fields.filter((field) =>
    field.kind.type === "secret"
      ? JSON.stringify(before.secrets[field.key]) !== JSON.stringify(after.secrets[field.key])
      : JSON.stringify(getPath(before.settings, field.key)) !== JSON.stringify(getPath(after.settings, field.key)),
  );
}

function shown(field: FieldSpec, view: SettingsView): string {
  if (field.kind.type === "secret") return view.secrets[field.key]?.set ? "set" : "not set";
  return JSON.stringify(getPath(view.settings, field.key));
}

/**
 * Said while the user edits and someone else (another window, `podhost config set`) saved: which
 * values changed, that the unsaved edits are kept, and the way to drop them for the new values.
 */
export function ChangedElsewhere({ changed, after, onReload }: { changed: FieldSpec[]; after: SettingsView; onReload: () => void }) {
  if (changed.length === 0) return null;
  return (
    <div className="notice changed-elsewhere" role="status" data-changed-elsewhere={changed.map((field) => field.key).join(" ")}>
      <p>
        Changed elsewhere while you were editing:{" "}
        {changed.map((field, index) => (
          <span key={field.key}>
            {index > 0 ? "; " : ""}
            {field.label} (<code>{field.key}</code>) is now {shown(field, after)}
          </span>
        ))}
        .
      </p>
      <p>
        Your unsaved edits are kept; saving them will ask whether to overwrite.{" "}
        <button type="button" className="button" onClick={onReload}>
          Reload
        </button>
      </p>
    </div>
  );
}
