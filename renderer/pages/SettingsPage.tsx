import { useCallback, useEffect, useRef, useState } from "react";
import type { SettingsView } from "../../shared/api";
import type { UserErrorInfo } from "../../shared/errors";
import { applySettingsChanges, getPath } from "../../shared/settings";
import { call } from "../api";
import { useConnection, useResyncCount, useSettingsChange, useStatus } from "../live";
import { href } from "../router";
import { ErrorNote, toErrorInfo } from "../components/ErrorNote";
import { PageHeading } from "../components/PageHeading";
import { fieldSpecs, type FieldSpec } from "../settings/fields";
import { groupFields, sectionIdFor, type SectionId } from "../settings/sections";
import { draftOf, valueOf, type Draft } from "../settings/values";
import { fieldForError, SettingsSection, type SaveResult } from "../settings/SettingsSection";
import { fieldId } from "../settings/SettingField";
import { settingsExtras } from "../settings/extras";
import { ChangedElsewhere, changedKeys, isChangedElsewhere } from "../settings/changed-elsewhere";

const allFields = fieldSpecs();
const groups = groupFields(allFields);

/** The changes a section's drafts make to the saved settings; secrets only when something was typed. */
function changesOf(fields: FieldSpec[], drafts: Record<string, Draft>, view: SettingsView): Record<string, unknown> {
  const changes: Record<string, unknown> = {};
  for (const field of fields) {
    const draft = drafts[field.key];
    if (draft === undefined || view.locked[field.key] !== undefined) continue;
    if (field.kind.type === "secret") {
      if (draft !== "") changes[field.key] = draft;
      continue;
    }
    const value = valueOf(field, draft);
    if (JSON.stringify(value) !== JSON.stringify(getPath(view.settings, field.key))) changes[field.key] = value;
  }
  return changes;
}

export function SettingsPage({ section }: { section?: string }) {
  const status = useStatus();
  const connection = useConnection();
  const settingsChange = useSettingsChange();
  const resyncs = useResyncCount();
  /** The settings as saved now. */
  const [view, setView] = useState<SettingsView | null>(null);
  /** The settings the user's unsaved edits started from: a save names its revision. */
  const [base, setBase] = useState<SettingsView | null>(null);
  const [loadError, setLoadError] = useState<UserErrorInfo | null>(null);
  const [drafts, setDrafts] = useState<Record<string, Draft>>({});
  const [results, setResults] = useState<Partial<Record<SectionId, SaveResult>>>({});
  const [saving, setSaving] = useState<SectionId | null>(null);
  const editing = useRef(false);
  const isEditing = Object.keys(drafts).length > 0 || saving !== null;
  useEffect(() => {
    editing.current = isEditing;
  }, [isEditing]);

  // Follows changes made elsewhere: the page takes them at once when nothing is being edited;
  // otherwise the edits stay, untouched fields show the new values, and the base stays where the edits began.
  const reload = useCallback(
    () =>
      call("settings.get", {}).then(
        (next) => {
          setView(next);
          if (!editing.current) setBase(next);
          setLoadError(null);
        },
        (error: unknown) => setLoadError(toErrorInfo(error)),
      ),
    [],
  );

  const savedRevision = view?.revision;
  const announcedRevision = settingsChange?.revision;
  useEffect(() => {
    if (announcedRevision === undefined || announcedRevision !== savedRevision) void reload();
    // After the daemon restarts (or the stream resynced), read the settings again too.
  }, [reload, announcedRevision, savedRevision, resyncs]);

  // Back in touch with the daemon: a page that could not load its settings tries again by itself,
  // and keeps trying while it is in touch (a daemon that is still starting may refuse the first read).
  const failed = loadError !== null;
  useEffect(() => {
    if (connection !== "open" || !failed) return;
    void reload();
    const again = setInterval(() => void reload(), 3_000);
    return () => clearInterval(again);
  }, [connection, failed, reload]);

  /** Drops every unsaved edit and shows the settings as saved now. */
  const discardEdits = () => {
    setDrafts({});
    setResults({});
    setBase(view);
    editing.current = false;
    void reload();
  };

  // #/settings/<section> (e.g. a status card's action) brings that section into view;
  // #/settings/<key> (a problem naming its setting) brings that field into view and focuses it.
  const targetId = section ? sectionIdFor(section) : undefined;
  const targetField = section && section !== targetId && allFields.some((f) => f.key === section) ? section : undefined;
  const loaded = view !== null;
  useEffect(() => {
    if (!targetId || !loaded) return;
    const target = (targetField && document.getElementById(fieldId(targetField))) || document.getElementById(`settings-${targetId}-title`);
    target?.scrollIntoView({ block: targetField ? "center" : "start" });
    target?.focus({ preventScroll: true });
  }, [targetId, targetField, loaded]);

  const setResult = (id: SectionId, result: SaveResult | undefined) => setResults((current) => ({ ...current, [id]: result }));

  const save = async (id: SectionId, fields: FieldSpec[], overwrite = false) => {
    if (!view || !base) return;
    let changes: Record<string, unknown>;
    try {
      changes = changesOf(fields, drafts, view);
      const settingsChanges = Object.fromEntries(Object.entries(changes).filter(([key]) => !fields.some((f) => f.key === key && f.kind.type === "secret")));
      applySettingsChanges(view.settings, settingsChanges);
    } catch (error) {
      showError(id, fields, toErrorInfo(error));
      return;
    }
    if (Object.keys(changes).length === 0) {
      setResult(id, { saved: "Nothing to save: no changes." });
      return;
    }
    setSaving(id);
    setResult(id, undefined);
    try {
      // Overwrite: the user saw that the settings changed elsewhere and chose to save over them.
      const saved = await call("settings.set", { changes, baseRevision: overwrite ? view.revision : base.revision });
      setView(saved);
      setBase(saved);
      setDrafts((current) => Object.fromEntries(Object.entries(current).filter(([key]) => !fields.some((f) => f.key === key))));
      setResult(id, { saved: "Saved" });
    } catch (error) {
      showError(id, fields, toErrorInfo(error));
    } finally {
      setSaving(null);
    }
  };

  const showError = (id: SectionId, fields: FieldSpec[], error: UserErrorInfo) => {
    setResult(id, { error });
    const field = fieldForError(fields, error.field);
    if (field) document.getElementById(fieldId(field.key))?.focus();
  };

  // What the forms hold now, so a section can follow its own choices before they are saved.
  const values = (key: string): unknown => {
    const field = allFields.find((f) => f.key === key);
    const draft = drafts[key];
    if (!field || draft === undefined || !view) return view ? getPath(view.settings, key) : undefined;
    try {
      return valueOf(field, draft);
    } catch {
      return draft;
    }
  };

  const change = (id: SectionId, field: FieldSpec, draft: Draft) => {
    setDrafts((current) => ({ ...current, [field.key]: draft }));
    setResult(id, undefined);
  };

  return (
    <>
      <PageHeading title="Settings" />
      <nav className="subnav" aria-label="Settings sections">
        <ul>
          {groups.map(({ section: s }) => (
            <li key={s.id}>
              <a href={href(`settings/${s.id}`)} aria-current={targetId === s.id ? "location" : undefined}>
                {s.title}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      {loadError ? (
        <div className="load-error">
          <ErrorNote error={loadError} />
          <button type="button" className="button" onClick={() => void reload()}>
            Try again
          </button>
        </div>
      ) : null}
      {view && base && Object.keys(drafts).length > 0 && saving === null ? <ChangedElsewhere changed={changedKeys(allFields, base, view)} after={view} onReload={discardEdits} /> : null}
      {!view ? (
        loadError ? null : <p role="status">Loading settings…</p>
      ) : (
        <div className="sections">
          {groups.map(({ section: s, fields }) => {
            const Extras = settingsExtras[s.id] ?? [];
            return (
              <SettingsSection
                key={s.id}
                section={s}
                fields={fields}
                view={view}
                draftFor={(field) => drafts[field.key] ?? draftOf(field, getPath(view.settings, field.key))}
                values={values}
                onChange={(field, draft) => change(s.id, field, draft)}
                onSave={() => void save(s.id, fields)}
                saving={saving === s.id}
                result={results[s.id]}
                conflict={isChangedElsewhere(results[s.id]) ? { onReload: discardEdits, onOverwrite: () => void save(s.id, fields, true) } : undefined}
              >
                {Extras.map((Extra, index) => (
                  <Extra key={index} view={view} status={status} values={values} reload={reload} />
                ))}
              </SettingsSection>
            );
          })}
        </div>
      )}
    </>
  );
}
