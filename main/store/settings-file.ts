import { createHash } from "node:crypto";
import { describeIssue, getPath, isSettingsKey, settingsFields, settingsSchema, type Settings } from "../../shared/settings";
import { settingsProblems } from "../../shared/settings-checks";
import type { Notice } from "../../shared/notices";

/**
 * Reading a settings object leniently: every valid key is kept; a field that is not valid falls
 * back to its default alone, with a notice naming it; keys this podhost does not know are set
 * apart, to be written back untouched.
 */
export interface LenientSettings {
  settings: Settings;
  notices: Notice[];
  unknown: Record<string, unknown>;
}

export function readLeniently(raw: Record<string, unknown>, fileName: string): LenientSettings {
  const draft = structuredClone(raw);
  const notices: Notice[] = [];
  const leaves = settingsFields().map((field) => field.key);
  // Each pass drops the fields zod or the whole-settings rules refuse; a field dropped falls back to its default.
  for (let pass = 0; pass < 64; pass++) {
    const parsed = settingsSchema.safeParse(draft);
    const issues: Array<{ path: string; message: string }> = parsed.success
      ? settingsProblems(parsed.data, leaves.filter((leaf) => getPath(draft, leaf) !== undefined)).map((problem) => ({ path: problem.field, message: problem.message }))
      : parsed.error.issues.map((issue) => {
          const { field, message } = describeIssue(issue);
          return { path: field, message };
        });
    if (parsed.success && issues.length === 0) return { settings: parsed.data, notices, unknown: unknownKeys(raw) };
    for (const issue of issues) {
      const field = leaves.find((leaf) => issue.path === leaf || issue.path.startsWith(`${leaf}.`)) ?? issue.path.split(".")[0] ?? "";
      if (getPath(draft, field) === undefined && field !== "") continue;
      const value = getPath(raw, field);
      notices.push(invalidFieldNotice(field, value, issue.message, fileName));
      deletePath(draft, field);
    }
  }
  return { settings: settingsSchema.parse({}), notices: [invalidFieldNotice("", raw, "no combination of its values could be used.", fileName)], unknown: {} };
}

function invalidFieldNotice(field: string, value: unknown, why: string, fileName: string): Notice {
  const shown = JSON.stringify(value) ?? "nothing";
  const hash = createHash("sha256").update(`${field}\0${shown}`).digest("hex").slice(0, 12);
  const defaultValue = settingsFields().find((f) => f.key === field)?.defaultValue;
  const fallback = field === "" ? "podhost uses its default settings" : `${field} uses its default${defaultValue === undefined ? "" : ` (${JSON.stringify(defaultValue)})`}`;
  return {
    id: `settings-invalid-${hash}`,
    ...(field ? { field } : {}),
    text: `${fileName} has a value podhost cannot use for ${field || "its settings"} (${shown.length > 80 ? `${shown.slice(0, 80)}…` : shown}): ${why} Until you set it again, ${fallback}; every other setting was kept.`,
  };
}

/** The parts of `raw` this podhost does not know (a newer one's keys, a hand-added note), nested as they were. */
export function unknownKeys(raw: Record<string, unknown>, prefix = ""): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (!isSettingsKey(path)) out[key] = value;
    else if (isGroup(path) && typeof value === "object" && value !== null && !Array.isArray(value)) {
      const inner = unknownKeys(value as Record<string, unknown>, path);
      if (Object.keys(inner).length > 0) out[key] = inner;
    }
  }
  return out;
}

/** `settings` with the unknown keys put back where they were (known keys win). */
export function withUnknownKeys(settings: Settings, unknown: Record<string, unknown>): Record<string, unknown> {
  const merge = (known: Record<string, unknown>, extra: Record<string, unknown>): Record<string, unknown> => {
    const out: Record<string, unknown> = { ...extra, ...known };
    for (const [key, value] of Object.entries(extra)) {
      const mine = known[key];
      if (typeof mine === "object" && mine !== null && !Array.isArray(mine) && typeof value === "object" && value !== null) out[key] = merge(mine as Record<string, unknown>, value as Record<string, unknown>);
    }
    return out;
  };
  return merge(settings as unknown as Record<string, unknown>, unknown);
}

function isGroup(key: string): boolean {
  return !settingsFields().some((field) => field.key === key);
}

function deletePath(obj: Record<string, unknown>, key: string): void {
  if (key === "") {
    for (const name of Object.keys(obj)) delete obj[name];
    return;
  }
  const parts = key.split(".");
  const parent = getPath(obj, parts.slice(0, -1).join("."));
  if (typeof parent === "object" && parent !== null) delete (parent as Record<string, unknown>)[parts[parts.length - 1]!];
}
