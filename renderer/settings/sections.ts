import type { FieldSpec } from "./fields";

/** The Settings page's sections and which dotted keys each one owns. */
export type SectionId = "pod" | "domain" | "network" | "certificates" | "other";

export interface SectionSpec {
  id: SectionId;
  title: string;
  intro: string;
  owns: (key: string) => boolean;
  /** Sub-headings inside the section; keys no group owns come first, without one. */
  groups?: { title: string; owns: (key: string) => boolean }[];
}

const under = (...prefixes: string[]) => (key: string) => prefixes.some((prefix) => key === prefix || key.startsWith(`${prefix}.`));

export const settingsSections: SectionSpec[] = [
  { id: "pod", title: "Pod", intro: "Which pod software runs, and where it lives on this computer.", owns: under("pod") },
  {
    id: "domain",
    title: "Domain & DNS",
    intro: "The name people use to reach your pod, and who keeps it pointing here.",
    owns: under("domain", "dns"),
    groups: [{ title: "Dynamic DNS", owns: under("dns") }],
  },
  {
    id: "network",
    title: "Network",
    intro: "The ports podhost listens on, and whether it opens them on your router.",
    owns: under("proxy", "ports"),
    groups: [
      { title: "On this computer", owns: under("proxy") },
      { title: "On your router", owns: under("ports") },
    ],
  },
  {
    id: "certificates",
    title: "Certificates",
    intro: "The certificate that lets browsers and other pods trust yours.",
    owns: under("certs"),
    groups: [{ title: "Let's Encrypt (ACME)", owns: under("certs.acme") }],
  },
];

/** Keys no section claims yet (a brand-new capability) still get a form. */
const otherSection: SectionSpec = { id: "other", title: "Other", intro: "Settings that have no section of their own yet.", owns: () => true };

/** Names that status actions and old links may use for a section. */
const sectionAliases: Record<string, SectionId> = { dns: "domain", proxy: "network", ports: "network", certs: "certificates" };

export function sectionIdFor(name: string): string {
  return sectionAliases[name] ?? name;
}

export function groupFields(fields: FieldSpec[]): { section: SectionSpec; fields: FieldSpec[] }[] {
  const groups = settingsSections.map((section) => ({ section, fields: fields.filter((field) => section.owns(field.key)) }));
  const rest = fields.filter((field) => !settingsSections.some((section) => section.owns(field.key)));
  return rest.length > 0 ? [...groups, { section: otherSection, fields: rest }] : groups;
}
