// Writes the settings table in README.md from the schema (shared/settings.ts), so the two never disagree.
// `npm run docs:settings`; a test fails when the README's table is stale.
import { readFileSync, writeFileSync } from "node:fs";
import { settingsTable } from "../main/cli/settings-table";

const readme = new URL("../README.md", import.meta.url);
const text = readFileSync(readme, "utf8");
const updated = text.replace(/(<!-- settings-table:start -->\n)[\s\S]*?(<!-- settings-table:end -->)/, `$1${settingsTable()}\n$2`);
writeFileSync(readme, updated);
