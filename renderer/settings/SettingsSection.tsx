import type { FormEvent, ReactNode } from "react";
import type { SettingsView } from "../../shared/api";
import type { UserErrorInfo } from "../../shared/errors";
import type { FieldSpec } from "./fields";
import type { SectionSpec } from "./sections";
import type { Draft } from "./values";
import { SettingField } from "./SettingField";
import { ErrorNote } from "../components/ErrorNote";

export type SaveResult = { saved: string } | { error: UserErrorInfo };

interface SettingsSectionProps {
  section: SectionSpec;
  fields: FieldSpec[];
  view: SettingsView;
  draftFor: (field: FieldSpec) => Draft;
  onChange: (field: FieldSpec, draft: Draft) => void;
  onSave: () => void;
  saving: boolean;
  result?: SaveResult;
  children?: ReactNode;
}

/** The field an error names, in this section: "pod.args.0" belongs to "pod.args". */
export function fieldForError(fields: FieldSpec[], errorField: string | undefined): FieldSpec | undefined {
  if (!errorField) return undefined;
  return fields.find((field) => errorField === field.key || errorField.startsWith(`${field.key}.`));
}

/** The section's fields under its sub-headings; the ungrouped ones first, empty groups left out. */
function partition(section: SectionSpec, fields: FieldSpec[]): { title?: string; fields: FieldSpec[] }[] {
  const groups = section.groups ?? [];
  const ungrouped = fields.filter((field) => !groups.some((group) => group.owns(field.key)));
  const grouped = groups.map((group) => ({ title: group.title, fields: fields.filter((field) => group.owns(field.key)) }));
  return [{ fields: ungrouped }, ...grouped].filter((group) => group.fields.length > 0);
}

/** One section's form: generated fields, the capability's extra widgets, and its own Save button. */
export function SettingsSection({ section, fields, view, draftFor, onChange, onSave, saving, result, children }: SettingsSectionProps) {
  const headingId = `settings-${section.id}-title`;
  const error = result && "error" in result ? result.error : undefined;
  const errorField = fieldForError(fields, error?.field);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!saving) onSave();
  };
  return (
    <section className="card settings-section" id={`settings-${section.id}`} aria-labelledby={headingId} data-section={section.id}>
      <h2 id={headingId} tabIndex={-1}>
        {section.title}
      </h2>
      <p className="intro">{section.intro}</p>
      <form noValidate onSubmit={submit} aria-labelledby={headingId}>
        {partition(section, fields).map(({ title, fields: groupFields }) => {
          const controls = groupFields.map((field) => (
            <SettingField
              key={field.key}
              field={field}
              draft={draftFor(field)}
              onChange={(draft) => onChange(field, draft)}
              lockedReason={view.locked[field.key]}
              secret={view.secrets[field.key]}
              error={errorField === field ? error : undefined}
            />
          ));
          return title ? (
            <fieldset key={title} className="field-group">
              <legend>{title}</legend>
              {controls}
            </fieldset>
          ) : (
            <div key="" className="field-group-plain">
              {controls}
            </div>
          );
        })}
        {error && !errorField ? <ErrorNote error={error} /> : null}
        <div className="form-footer">
          <button type="submit" className={`button primary${saving ? " busy" : ""}`} aria-disabled={saving}>
            Save {section.title}
          </button>
          <p className="save-result" role="status" data-save-result={result ? ("saved" in result ? "saved" : "error") : undefined}>
            {result ? ("saved" in result ? result.saved : `Not saved: ${error?.message ?? ""}`) : ""}
          </p>
        </div>
      </form>
      {children}
    </section>
  );
}
