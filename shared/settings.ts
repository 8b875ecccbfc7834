import * as z from "zod";
import { UserError } from "./errors";
import { optionalHostname } from "./schema-helpers";
import { settingsProblems } from "./settings-checks";
import { podSettings } from "./pod";
import { proxySettings } from "./proxy";
import { certsSettings } from "./certs";
import { podUrl as podAddress, portsSettings } from "./ports";
import { dnsSettings, dnsSecrets } from "./dns";
import { webServerSettings } from "./webserver";
import { backupSecrets, backupSettings } from "./backup";
import { traySettings } from "./tray";

/**
 * The single source of truth for settings: defaults, field docs (`describe`), and validation
 * messages that name the field and what is allowed. The UI's forms, the CLI's `config set`
 * and the daemon all validate through it.
 */
export const settingsSchema = z.object({
  domain: optionalHostname("domain").default("").describe("The pod's public name, like pod.example.org. For diaspora* it can never change after the first start."),
  pod: podSettings.prefault({}),
  proxy: proxySettings.prefault({}),
  certs: certsSettings.prefault({}),
  ports: portsSettings.prefault({}),
  dns: dnsSettings.prefault({}),
  webserver: webServerSettings.prefault({}),
  backup: backupSettings.prefault({}),
  tray: traySettings.prefault({}),
});
export type Settings = z.infer<typeof settingsSchema>;

/** Bumped whenever a stored settings file needs a migration (main/store/migrations.ts). */
export const settingsVersion = 1;

export interface SecretSpec {
  description: string;
}

/** Secrets live apart from settings (0600 file), are set like settings, and are never shown back. */
export const secretSpecs: Record<string, SecretSpec> = { ...dnsSecrets, ...backupSecrets };

export function isSecretKey(key: string): boolean {
  return Object.hasOwn(secretSpecs, key);
}

export function defaultSettings(): Settings {
  return settingsSchema.parse({});
}

/** Every dotted settings key with its default and description: the README table, `config get`, the UI. */
export interface SettingsField {
  key: string;
  description: string;
  defaultValue: unknown;
}

export function settingsFields(): SettingsField[] {
  const fields: SettingsField[] = [];
  const defaults = defaultSettings() as unknown as Record<string, unknown>;
  const walk = (schema: z.ZodType, prefix: string) => {
    const inner = unwrap(schema);
    if (inner instanceof z.ZodObject) {
      for (const [name, child] of Object.entries(inner.shape as Record<string, z.ZodType>)) walk(child, prefix ? `${prefix}.${name}` : name);
      return;
    }
    fields.push({ key: prefix, description: schema.description ?? inner.description ?? "", defaultValue: getPath(defaults, prefix) });
  };
  walk(settingsSchema, "");
  for (const [key, spec] of Object.entries(secretSpecs)) fields.push({ key, description: `${spec.description} (secret)`, defaultValue: undefined });
  return fields;
}

function unwrap(schema: z.ZodType): z.ZodType {
  let current: z.ZodType = schema;
  for (;;) {
    if (current instanceof z.ZodDefault || current instanceof z.ZodPrefault || current instanceof z.ZodOptional) current = current.unwrap() as z.ZodType;
    else return current;
  }
}

export function isSettingsKey(key: string): boolean {
  return settingsFields().some((f) => f.key === key || f.key.startsWith(`${key}.`));
}

export function getPath(obj: unknown, key: string): unknown {
  if (key === "") return obj;
  let current: unknown = obj;
  for (const part of key.split(".")) {
    if (typeof current !== "object" || current === null || !Object.hasOwn(current, part)) return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

function setPath(obj: Record<string, unknown>, key: string, value: unknown): void {
  const parts = key.split(".");
  let current = obj;
  for (const part of parts.slice(0, -1)) {
    const next = current[part];
    if (typeof next !== "object" || next === null || Array.isArray(next)) current[part] = {};
    current = current[part] as Record<string, unknown>;
  }
  current[parts[parts.length - 1]!] = value;
}

/** The first problem zod found, as a UserError that names the field in words a person reads. */
export function settingsError(error: z.ZodError): UserError {
  return new UserError({ code: "invalid-setting", ...describeIssue(error.issues[0]!) });
}

/** One zod issue as the dotted key at fault (list positions left out) and a sentence naming it. */
export function describeIssue(issue: z.core.$ZodIssue): { field: string; message: string } {
  return { field: issue.path.filter((part) => typeof part === "string").join("."), message: issueMessage(issue, displayPath(issue.path)) };
}

/** `proxy.routes[2].host`: the path as the user wrote the JSON. */
function displayPath(path: PropertyKey[]): string {
  return path.map((part, index) => (typeof part === "number" ? `[${part}]` : `${index > 0 ? "." : ""}${String(part)}`)).join("");
}

const shapes: Record<string, string> = {
  record: "a JSON object like {\"NAME\": \"value\"}",
  object: "a JSON object like {\"key\": value}",
  array: "a JSON list like [\"a\", \"b\"]",
  string: "text",
  number: "a number",
  boolean: "true or false",
};

/** zod's own text ("Invalid input: expected record, received array") never reaches a person. */
function issueMessage(issue: z.core.$ZodIssue, field: string): string {
  const where = field || "The settings";
  if (issue.code === "unrecognized_keys") {
    const known = Object.keys(objectShapeAt(issue.path) ?? {});
    const keys = issue.keys.map((key) => `"${key}"`).join(", ");
    return `${where} has no ${issue.keys.length > 1 ? "keys" : "key"} ${keys}${known.length ? `: it takes ${known.join(", ")}` : ""}.`;
  }
  if (!/^Invalid input|^Invalid option|^Too (big|small)|^Unrecognized/.test(issue.message)) {
    return issue.message.includes(field) || !field || issue.message.startsWith(field.replace(/\[\d+\]/g, "[]")) ? issue.message : `${field}: ${issue.message}`;
  }
  if (issue.code === "invalid_type") return `${where} must be ${shapes[issue.expected] ?? issue.expected}.`;
  if (issue.code === "invalid_value") return `${where} must be one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}.`;
  return `${where} is not valid here (${issue.message}).`;
}

/** The keys of the object schema at `path` inside the settings, for "it takes ..." in errors. */
function objectShapeAt(path: PropertyKey[]): Record<string, z.ZodType> | undefined {
  let schema: z.ZodType = settingsSchema;
  for (const part of path) {
    const inner = unwrap(schema);
    if (inner instanceof z.ZodObject && typeof part === "string") schema = (inner.shape as Record<string, z.ZodType>)[part]!;
    else if (inner instanceof z.ZodArray && typeof part === "number") schema = inner.element as z.ZodType;
    else return undefined;
    if (!schema) return undefined;
  }
  const inner = unwrap(schema);
  return inner instanceof z.ZodObject ? (inner.shape as Record<string, z.ZodType>) : undefined;
}

/**
 * `{"pod": {"port": 17470}}` as dotted changes (`pod.port`): a group's value is merged into the
 * group, so nothing the user did not name is reset. A key that names a single setting (even one
 * whose value is an object or a list, like pod.env) is taken whole.
 */
export function expandChanges(changes: Record<string, unknown>): Record<string, unknown> {
  const leaves = new Set(settingsFields().map((field) => field.key));
  const out: Record<string, unknown> = {};
  const add = (key: string, value: unknown) => {
    if (leaves.has(key) || !isSettingsKey(key)) {
      out[key] = value;
      return;
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      throw new UserError({ code: "invalid-setting", field: key, message: `${key} is a group of settings: give one of them (like ${[...leaves].find((leaf) => leaf.startsWith(`${key}.`))}), or a JSON object of the ones to change.` });
    }
    for (const [name, inner] of Object.entries(value)) add(`${key}.${name}`, inner);
  };
  for (const [key, value] of Object.entries(changes)) add(key, value);
  return out;
}

/** Validate `settings` with `changes` (dotted key -> value) applied; throws a UserError naming the field. */
export function applySettingsChanges(settings: Settings, changes: Record<string, unknown>): Settings {
  const draft = JSON.parse(JSON.stringify(settings)) as Record<string, unknown>;
  const leaves = expandChanges(changes);
  for (const [key, value] of Object.entries(leaves)) {
    if (!isSettingsKey(key)) {
      throw new UserError({ code: "unknown-setting", field: key, message: `There is no setting called "${key}".`, fix: "Run `podhost config get` to list the settings." });
    }
    setPath(draft, key, value);
  }
  const parsed = settingsSchema.safeParse(draft);
  if (!parsed.success) throw settingsError(parsed.error);
  const problem = settingsProblems(parsed.data, Object.keys(leaves))[0];
  if (problem) throw new UserError({ code: "invalid-setting", field: problem.field, message: problem.message });
  return parsed.data;
}

/**
 * The pod's public address, `https://domain[:port]/` with the port the internet uses
 * (ports.externalHttpsPort): for diaspora* it is part of every user's ID and can never change
 * after the first start. Undefined until a domain is set.
 */
export function podUrl(settings: Pick<Settings, "domain" | "ports">): string | undefined {
  return settings.domain ? podAddress(settings.domain, settings.ports.externalHttpsPort) : undefined;
}
