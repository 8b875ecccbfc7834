import { isSecretKey, settingsFields } from "../../shared/settings";

/** The README's settings table: every dotted key, its default and what it is for. */
export function settingsTable(): string {
  const rows = settingsFields().map((field) => {
    const value = isSecretKey(field.key) ? "(secret)" : `\`${JSON.stringify(field.defaultValue)}\``;
    return `| \`${field.key}\` | ${value} | ${field.description.replace(/\|/g, "\\|")} |`;
  });
  return ["| key | default | what it is |", "| --- | --- | --- |", ...rows].join("\n");
}
