import type { FieldSpec } from "./fields";
import { dnsFieldLook, dnsGroup } from "./dns-fields";
import { networkFieldLook, networkGroup } from "./network-fields";
import { podAdvanced, podFieldLook } from "./pod-fields";
import { certsFieldLook } from "./certs-fields";
import { backupFieldLook } from "./backup-fields";

/** The Settings page's sections and which dotted keys each one owns. */
export type SectionId = "pod" | "domain" | "network" | "certificates" | "backups" | "other";

/** A setting's current value in the form: what the user typed, else what is saved. */
export type FormValues = (key: string) => unknown;

/** How a field looks right now, when that depends on other fields (the DNS provider, a toggle). */
export interface FieldLook {
  hidden?: boolean;
  label?: string;
  placeholder?: string;
  /** Words for a select's values ("none" -> "Off"). */
  optionLabels?: Record<string, string>;
  /** A sentence under the control about the value chosen. */
  note?: string;
  /** Shown prominently: what turning this on exposes. */
  warning?: string;
  /** Place within its group (lower first); fields without one keep the schema's order after them. */
  order?: number;
  /** Buttons beside the control that fill in a well-known value (e.g. Let's Encrypt's directory). */
  fill?: { label: string; value: string }[];
}

export interface GroupSpec {
  title: string;
  owns: (key: string, values: FormValues) => boolean;
  /** Folded away until opened (e.g. "Advanced"). */
  collapsible?: boolean;
}

export interface SectionSpec {
  id: SectionId;
  title: string;
  intro: string;
  owns: (key: string) => boolean;
  /** Sub-headings inside the section; keys no group owns come first, without one. A key goes to the first group that owns it. */
  groups?: GroupSpec[];
  look?: (key: string, values: FormValues) => FieldLook | undefined;
}

export const under = (...prefixes: string[]) => (key: string) => prefixes.some((prefix) => key === prefix || key.startsWith(`${prefix}.`));

export const settingsSections: SectionSpec[] = [
  {
    id: "pod",
    title: "Pod",
    intro: "Which pod software runs, and where it lives on this computer.",
    owns: under("pod"),
    groups: [{ title: "Advanced", owns: podAdvanced, collapsible: true }],
    look: podFieldLook,
  },
  {
    id: "domain",
    title: "Domain & DNS",
    intro: "The name people use to reach your pod, and who keeps it pointing here.",
    owns: under("domain", "dns"),
    groups: [
      { title: "Dynamic DNS", owns: (key, values) => dnsGroup(key, values) === "main" },
      { title: "Advanced", owns: (key, values) => dnsGroup(key, values) === "advanced", collapsible: true },
    ],
    look: dnsFieldLook,
  },
  {
    id: "network",
    title: "Network",
    intro: "The ports podhost listens on, whether it opens them on your router, and how it shares this PC with a web server you already run.",
    owns: under("proxy", "ports", "webserver"),
    groups: [
      { title: "On this computer", owns: under("proxy") },
      { title: "On your router", owns: (key) => networkGroup(key) === "router" },
      { title: "Advanced", owns: (key) => networkGroup(key) === "advanced", collapsible: true },
      { title: "Your own web server", owns: under("webserver") },
    ],
    look: networkFieldLook,
  },
  {
    id: "certificates",
    title: "Certificates",
    intro: "The certificate that lets browsers and other pods trust yours.",
    owns: under("certs"),
    groups: [{ title: "Let's Encrypt (ACME)", owns: under("certs.acme") }],
    look: certsFieldLook,
  },
  {
    id: "backups",
    title: "Backups",
    intro: "When the pod is backed up, how many backups are kept, and how often they are verified. The repository and its passphrase are set on the Backups page.",
    owns: under("backup"),
    groups: [{ title: "Custom pod", owns: (key) => key === "backup.paths" || key === "backup.dumpCommand" }],
    look: backupFieldLook,
  },
];

/** Keys no section claims yet (a brand-new capability) still get a form. */
const otherSection: SectionSpec = { id: "other", title: "Other", intro: "Settings that have no section of their own yet.", owns: () => true };

/** Names that status actions and old links may use for a section. */
const sectionAliases: Record<string, SectionId> = { dns: "domain", proxy: "network", ports: "network", webserver: "network", certs: "certificates" };

/** A section's id for a name in a link: an alias, a section's own id, or a setting's dotted key (its section). */
export function sectionIdFor(name: string): string {
  const alias = sectionAliases[name];
  if (alias) return alias;
  if (settingsSections.some((section) => section.id === name)) return name;
  return settingsSections.find((section) => section.owns(name))?.id ?? name;
}

export function groupFields(fields: FieldSpec[]): { section: SectionSpec; fields: FieldSpec[] }[] {
  const groups = settingsSections.map((section) => ({ section, fields: fields.filter((field) => section.owns(field.key)) }));
  const rest = fields.filter((field) => !settingsSections.some((section) => section.owns(field.key)));
  return rest.length > 0 ? [...groups, { section: otherSection, fields: rest }] : groups;
}
