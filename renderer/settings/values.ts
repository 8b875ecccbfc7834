import { UserError } from "../../shared/errors";
import type { FieldSpec } from "./fields";

/** What a form control holds: a checkbox's flag, or the text in any other control. */
export type Draft = string | boolean;

export function draftOf(field: FieldSpec, value: unknown): Draft {
  switch (field.kind.type) {
    case "boolean":
      return value === true;
    case "secret":
      return "";
    case "json":
      return value === undefined ? "" : JSON.stringify(value);
    default:
      return value === undefined || value === null ? "" : String(value);
  }
}

/** The value to send for a control's draft; text that is not a number or JSON goes as typed, for the schema to name. */
export function valueOf(field: FieldSpec, draft: Draft): unknown {
  if (typeof draft === "boolean") return draft;
  if (field.kind.type === "number") return draft.trim() === "" || Number.isNaN(Number(draft)) ? draft : Number(draft);
  if (field.kind.type === "json") {
    try {
      return JSON.parse(draft) as unknown;
    } catch {
      throw new UserError({ code: "invalid-setting", field: field.key, message: `${field.key} must be JSON, like ${JSON.stringify(field.defaultValue ?? [])}.`, fix: "Check the quotes, commas and brackets." });
    }
  }
  return draft;
}

/** "Default: 8443" for help text; nothing for empty defaults. */
export function defaultText(field: FieldSpec): string | undefined {
  const value = field.defaultValue;
  if (value === undefined || value === "" || (typeof value === "object" && value !== null && Object.keys(value).length === 0)) return undefined;
  return typeof value === "string" ? value : JSON.stringify(value);
}
