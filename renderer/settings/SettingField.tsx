import type { UserErrorInfo } from "../../shared/errors";
import type { SecretState } from "../../shared/api";
import type { FieldSpec } from "./fields";
import type { FieldLook } from "./sections";
import { defaultText, type Draft } from "./values";

export interface SettingFieldProps {
  field: FieldSpec;
  /** Label, placeholder and notes that depend on other fields. */
  look?: FieldLook;
  draft: Draft;
  onChange: (draft: Draft) => void;
  /** Why the key cannot change any more, if it cannot. */
  lockedReason?: string;
  secret?: SecretState;
  error?: UserErrorInfo;
}

export const fieldId = (key: string) => `setting-${key.replace(/[^a-zA-Z0-9]+/g, "-")}`;

/** One generated control: label, control, help (description, key, default), lock reason and error. */
export function SettingField({ field, look, draft, onChange, lockedReason, secret, error }: SettingFieldProps) {
  const id = fieldId(field.key);
  const helpId = `${id}-help`;
  const errorId = `${id}-error`;
  const lockId = `${id}-locked`;
  const warningId = `${id}-warning`;
  const noteId = `${id}-note`;
  const describedBy = [error ? errorId : null, lockedReason ? lockId : null, look?.warning ? warningId : null, look?.note ? noteId : null, helpId].filter(Boolean).join(" ");
  const locked = lockedReason !== undefined;
  const common = { id, "data-key": field.key, "aria-describedby": describedBy, "aria-invalid": error ? true : undefined };
  const shownDefault = defaultText(field);
  const kind = field.kind;

  const label = (
    <label htmlFor={id} className="field-label">
      {look?.label ?? field.label}
    </label>
  );

  let control;
  switch (kind.type) {
    case "boolean":
      control = <input {...common} type="checkbox" checked={draft === true} disabled={locked} onChange={(event) => onChange(event.target.checked)} />;
      break;
    case "select":
      control = (
        <select {...common} value={String(draft)} disabled={locked} onChange={(event) => onChange(event.target.value)}>
          {(kind.options.includes(String(draft)) ? kind.options : [String(draft), ...kind.options]).map((option) => (
            <option key={option} value={option}>
              {look?.optionLabels?.[option] ?? (option === "" ? "(not set)" : option)}
            </option>
          ))}
        </select>
      );
      break;
    case "json":
      control = <textarea {...common} rows={2} spellCheck={false} readOnly={locked} value={String(draft)} onChange={(event) => onChange(event.target.value)} />;
      break;
    case "secret":
      control = (
        <input {...common} type="password" autoComplete="new-password" readOnly={locked} value={String(draft)} placeholder={secret?.set ? "Type a new one to replace it" : (look?.placeholder ?? "")} onChange={(event) => onChange(event.target.value)} />
      );
      break;
    default:
      control = (
        <input {...common} type={kind.type === "number" ? "number" : "text"} inputMode={kind.type === "number" ? "numeric" : undefined} spellCheck={false} readOnly={locked} value={String(draft)} placeholder={look?.placeholder} onChange={(event) => onChange(event.target.value)} />
      );
  }

  return (
    <div className={`field field-${kind.type}${error ? " has-error" : ""}`} data-field={field.key}>
      {kind.type === "boolean" ? (
        <div className="check">
          {control}
          {label}
        </div>
      ) : (
        <>
          {label}
          {control}
        </>
      )}
      {look?.fill && !locked ? (
        <div className="button-row fill-row">
          {look.fill.map(({ label: fillLabel, value }) => (
            <button key={value} type="button" className="button small" data-fill={value} aria-controls={id} onClick={() => onChange(value)}>
              {fillLabel}
            </button>
          ))}
        </div>
      ) : null}
      {look?.warning ? (
        <p className="field-warning" id={warningId}>
          {look.warning}
        </p>
      ) : null}
      {look?.note ? (
        <p className="field-note" id={noteId}>
          {look.note}
        </p>
      ) : null}
      {kind.type === "secret" ? (
        <p className="secret-state" data-secret-state={secret?.set ? "set" : "unset"}>
          {secret?.set ? `set (${secret.hint ?? "••••"})` : "not set"}
        </p>
      ) : null}
      {error ? (
        <p className="field-error" id={errorId}>
          {error.message}
          {error.fix ? ` ${error.fix}` : ""}
        </p>
      ) : null}
      {lockedReason ? (
        <p className="locked" id={lockId}>
          <span className="locked-tag">Locked</span> {lockedReason}
        </p>
      ) : null}
      <p className="help" id={helpId}>
        {field.description}
        <span className="key-hint">
          {" "}
          <code>{field.key}</code>
          {shownDefault ? (
            <>
              {" · default "}
              <code>{shownDefault}</code>
            </>
          ) : null}
        </span>
      </p>
    </div>
  );
}
