import type { FormEvent, ReactNode } from "react";
import type { SettingsView } from "../../shared/api";
import type { UserErrorInfo } from "../../shared/errors";
import type { FieldSpec } from "./fields";
import type { FieldLook, FormValues, SectionSpec } from "./sections";
import type { Draft } from "./values";
import { SettingField } from "./SettingField";
import { ErrorNote } from "../components/ErrorNote";

export type SaveResult = { saved: string } | { error: UserErrorInfo };

interface SettingsSectionProps {
  section: SectionSpec;
  fields: FieldSpec[];
  view: SettingsView;
  draftFor: (field: FieldSpec) => Draft;
  values: FormValues;
  onChange: (field: FieldSpec, draft: Draft) => void;
  onSave: () => void;
  saving: boolean;
  result?: SaveResult;
  /** The save was refused because the settings changed elsewhere: the two ways on. */
  conflict?: { onReload: () => void; onOverwrite: () => void };
  children?: ReactNode;
}

/** The field an error names, in this section: "pod.args.0" belongs to "pod.args". */
export function fieldForError(fields: FieldSpec[], errorField: string | undefined): FieldSpec | undefined {
  if (!errorField) return undefined;
  return fields.find((field) => errorField === field.key || errorField.startsWith(`${field.key}.`));
}

interface Group {
  title?: string;
  collapsible?: boolean;
  fields: { field: FieldSpec; look?: FieldLook }[];
}

/**
 * The section's visible fields under its sub-headings: the ungrouped ones first, each key in the
 * first group that owns it, ordered by its look, empty groups left out.
 */
function partition(section: SectionSpec, fields: FieldSpec[], values: FormValues): Group[] {
  const groups = section.groups ?? [];
  const shown = fields
    .map((field, index) => ({ field, index, look: section.look?.(field.key, values) }))
    .filter(({ look }) => !look?.hidden)
    .sort((a, b) => (a.look?.order ?? 1000 + a.index) - (b.look?.order ?? 1000 + b.index));
  const groupOf = (key: string) => groups.findIndex((group) => group.owns(key, values));
  const ungrouped: Group = { fields: shown.filter(({ field }) => groupOf(field.key) < 0) };
  const grouped = groups.map((group, index): Group => ({ title: group.title, collapsible: group.collapsible, fields: shown.filter(({ field }) => groupOf(field.key) === index) }));
  return [ungrouped, ...grouped].filter((group) => group.fields.length > 0);
}

/** One section's form: generated fields, the capability's extra widgets, and its own Save button. */
export function SettingsSection({ section, fields, view, draftFor, values, onChange, onSave, saving, result, conflict, children }: SettingsSectionProps) {
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
        {partition(section, fields, values).map(({ title, collapsible, fields: groupFields }) => {
          const controls = groupFields.map(({ field, look }) => (
            <SettingField
              key={field.key}
              field={field}
              look={look}
              draft={draftFor(field)}
              onChange={(draft) => onChange(field, draft)}
              lockedReason={view.locked[field.key]}
              secret={view.secrets[field.key]}
              error={errorField === field ? error : undefined}
            />
          ));
          if (!title) {
            return (
              <div key="" className="field-group-plain">
                {controls}
              </div>
            );
          }
          // A folded group opens by itself when it holds the field an error names.
          return collapsible ? (
            <details key={title} className="field-group collapsible" data-group={title} open={groupFields.some(({ field }) => field === errorField) || undefined}>
              <summary>{title}</summary>
              {controls}
            </details>
          ) : (
            <fieldset key={title} className="field-group" data-group={title}>
              <legend>{title}</legend>
              {controls}
            </fieldset>
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
          {conflict ? (
            <div className="conflict-actions">
              <button type="button" className="button" onClick={conflict.onReload}>
                Reload
              </button>
              <button type="button" className="button" onClick={conflict.onOverwrite}>
                Overwrite
              </button>
            </div>
          ) : null}
        </div>
      </form>
      {children}
    </section>
  );
}
