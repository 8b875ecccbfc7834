import type { UserErrorInfo } from "../../shared/errors";
import type { SecretState } from "../../shared/api";
import type { FieldSpec } from "./fields";
import { defaultText, type Draft } from "./values";

export interface SettingFieldProps {
  field: FieldSpec;
  draft: Draft;
  onChange: (draft: Draft) => void;
  /** Why the key cannot change any more, if it cannot. */
  lockedReason?: string;
  secret?: SecretState;
  error?: UserErrorInfo;
}

export const fieldId = (key: string) => `setting-${key.replace(/[^a-zA-Z0-9]+/g, "-")}`;

/** One generated control: label, control, help (description, key, default), lock reason and error. */
export function SettingField({ field, draft, onChange, lockedReason, secret, error }: SettingFieldProps) {
  const id = fieldId(field.key);
  const helpId = `${id}-help`;
  const errorId = `${id}-error`;
  const lockId = `${id}-locked`;
  const describedBy = [error ? errorId : null, lockedReason ? lockId : null, helpId].filter(Boolean).join(" ");
  const locked = lockedReason !== undefined;
  const common = { id, "data-key": field.key, "aria-describedby": describedBy, "aria-invalid": error ? true : undefined };
  const shownDefault = defaultText(field);
  const kind = field.kind;

  const label = (
    <label htmlFor={id} className="field-label">
      {field.label}
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
              {option === "" ? "(not set)" : option}
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
        <input {...common} type="password" autoComplete="new-password" readOnly={locked} value={String(draft)} placeholder={secret?.set ? "Type a new one to replace it" : ""} onChange={(event) => onChange(event.target.value)} />
      );
      break;
    default:
      control = (
        <input {...common} type={kind.type === "number" ? "number" : "text"} inputMode={kind.type === "number" ? "numeric" : undefined} spellCheck={false} readOnly={locked} value={String(draft)} onChange={(event) => onChange(event.target.value)} />
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
