import * as z from "zod";
import { settingsFields, settingsSchema, isSecretKey, type SettingsField } from "../../shared/settings";

/**
 * The Settings forms are generated from the shared schema, so a key another capability adds
 * appears here with its description, default and validation without touching the UI.
 */
export type FieldKind =
  | { type: "boolean" }
  | { type: "number" }
  | { type: "text" }
  | { type: "select"; options: string[] }
  /** Arrays, records and anything else structured: edited as JSON text. */
  | { type: "json" }
  | { type: "secret" };

export interface FieldSpec extends SettingsField {
  kind: FieldKind;
  label: string;
}

function unwrap(schema: z.ZodType): z.ZodType {
  if (schema instanceof z.ZodDefault || schema instanceof z.ZodPrefault || schema instanceof z.ZodOptional || schema instanceof z.ZodNullable || schema instanceof z.ZodReadonly || schema instanceof z.ZodCatch) {
    return unwrap(schema.unwrap() as z.ZodType);
  }
  // A preprocess takes what the user types on its output side; a transform on its input side.
  if (schema instanceof z.ZodPipe) return unwrap((schema.in instanceof z.ZodTransform ? schema.out : schema.in) as z.ZodType);
  return schema;
}

function schemaAt(key: string): z.ZodType | undefined {
  let current: z.ZodType | undefined = settingsSchema;
  for (const part of key.split(".")) {
    const object: z.ZodType | undefined = current && unwrap(current);
    if (!(object instanceof z.ZodObject)) return undefined;
    current = (object.shape as Record<string, z.ZodType>)[part];
  }
  return current;
}

/** The string values a schema allows, when it is a closed list (enum, literal, or a union of them). */
function choices(schema: z.ZodType): string[] | undefined {
  if (schema instanceof z.ZodEnum) return schema.options.map(String);
  if (schema instanceof z.ZodLiteral) return [...schema.values].every((v) => typeof v === "string") ? [...schema.values].map(String) : undefined;
  if (schema instanceof z.ZodUnion) {
    const parts = (schema.options as z.ZodType[]).map((option) => choices(unwrap(option)));
    return parts.every((part) => part !== undefined) ? parts.flat() : undefined;
  }
  return undefined;
}

function isTextual(schema: z.ZodType): boolean {
  if (schema._zod.def.type === "string") return true; // also string formats: z.url(), z.email()
  if (schema instanceof z.ZodLiteral) return [...schema.values].every((v) => typeof v === "string");
  if (schema instanceof z.ZodUnion) return (schema.options as z.ZodType[]).every((option) => isTextual(unwrap(option)));
  return false;
}

export function kindOf(schema: z.ZodType): FieldKind {
  const inner = unwrap(schema);
  if (inner instanceof z.ZodBoolean) return { type: "boolean" };
  if (inner instanceof z.ZodNumber) return { type: "number" };
  const options = choices(inner);
  if (options && options.length > 1) return { type: "select", options };
  if (isTextual(inner)) return { type: "text" };
  return { type: "json" };
}

const wordNames: Record<string, string> = {
  url: "URL", http: "HTTP", https: "HTTPS", upnp: "UPnP", acme: "ACME", dns: "DNS", ip: "IP", ipv4: "IPv4", ipv6: "IPv6",
  tls: "TLS", api: "API", ttl: "TTL", id: "ID", tsig: "TSIG", ms: "(ms)", secs: "(seconds)", dir: "folder", cwd: "working folder", env: "environment", args: "arguments",
};

/** "proxy.httpsPort" -> "HTTPS port"; the first part is the section's, so it is left out when there are more. */
export function labelOf(key: string): string {
  const parts = key.split(".");
  const words = (parts.length > 1 ? parts.slice(1) : parts)
    .flatMap((part) => part.replace(/([a-z0-9])([A-Z])/g, "$1 $2").split(/[\s_-]+/))
    .map((word) => wordNames[word.toLowerCase()] ?? word.toLowerCase());
  const text = words.join(" ");
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export function fieldSpecs(): FieldSpec[] {
  return settingsFields().map((field) => {
    const schema = schemaAt(field.key);
    const kind: FieldKind = isSecretKey(field.key) ? { type: "secret" } : schema ? kindOf(schema) : { type: "json" };
    return { ...field, kind, label: labelOf(field.key) };
  });
}
