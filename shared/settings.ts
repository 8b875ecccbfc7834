import * as z from "zod";
import { UserError } from "./errors";
import { optionalHostname } from "./schema-helpers";
import { podSettings } from "./pod";
import { proxySettings } from "./proxy";
import { certsSettings } from "./certs";
import { podUrl as podAddress, portsSettings } from "./ports";
import { dnsSettings, dnsSecrets } from "./dns";
import { webServerSettings } from "./webserver";
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
  tray: traySettings.prefault({}),
});
export type Settings = z.infer<typeof settingsSchema>;

/** Bumped whenever a stored settings file needs a migration (main/store/migrations.ts). */
export const settingsVersion = 1;

export interface SecretSpec {
  description: string;
}

/** Secrets live apart from settings (0600 file), are set like settings, and are never shown back. */
export const secretSpecs: Record<string, SecretSpec> = { ...dnsSecrets };

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

/** The first problem zod found, as a UserError that names the field. */
export function settingsError(error: z.ZodError): UserError {
  const issue = error.issues[0]!;
  const field = issue.path.join(".");
  return new UserError({ code: "invalid-setting", field, message: issue.message.includes(field) || !field ? issue.message : `${field}: ${issue.message}` });
}

/** Validate `settings` with `changes` (dotted key -> value) applied; throws a UserError naming the field. */
export function applySettingsChanges(settings: Settings, changes: Record<string, unknown>): Settings {
  const draft = JSON.parse(JSON.stringify(settings)) as Record<string, unknown>;
  for (const [key, value] of Object.entries(changes)) {
    if (!isSettingsKey(key)) {
      throw new UserError({ code: "unknown-setting", field: key, message: `There is no setting called "${key}".`, fix: "Run `podhost config get` to list the settings." });
    }
    setPath(draft, key, value);
  }
  const parsed = settingsSchema.safeParse(draft);
  if (!parsed.success) throw settingsError(parsed.error);
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
