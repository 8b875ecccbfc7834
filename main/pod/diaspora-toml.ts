import { isDeepStrictEqual } from "node:util";
import { parse, type TomlTable } from "smol-toml";
import type { PodConfigChange } from "../../shared/pod";
import { UserError } from "../../shared/errors";

/** One key podhost owns in diaspora.toml, e.g. ["configuration", "environment"] + "url". */
export interface TomlWrite {
  table: string[];
  key: string;
  value: string | boolean | number;
}

/**
 * Sets `writes` in a TOML document by editing lines, so every comment, blank line and
 * unrelated key stays as it was: an existing `key = ...` line in the table is replaced; else
 * the new line goes right after a commented-out `#key = ...` example (diaspora.toml.example has
 * one for each key), else right under the table header; a missing table is appended. The result
 * is parsed and compared with the original: exactly the written keys may differ, or nothing is
 * written and the user is told which keys to set by hand.
 */
export function setTomlKeys(text: string, writes: TomlWrite[], fileName = "config/diaspora.toml"): { text: string; changes: PodConfigChange[] } {
  const before = parseOrExplain(text, fileName);
  const changes: PodConfigChange[] = [];
  let lines = text.split("\n");
  for (const write of writes) {
    const current = lookup(before, [...write.table, write.key]);
    if (current === write.value) continue;
    changes.push({ key: [...write.table, write.key].join("."), ...(current === undefined ? {} : { from: String(current) }), to: String(write.value) });
    lines = setLine(lines, write);
  }
  const out = lines.join("\n");
  if (changes.length === 0) return { text, changes };
  const expected = parseOrExplain(text, fileName);
  for (const write of writes) assign(expected, [...write.table, write.key], write.value);
  let after: TomlTable | undefined;
  try {
    after = parse(out);
  } catch {
    after = undefined;
  }
  if (!after || !isDeepStrictEqual(plain(after), plain(expected))) {
    const wanted = writes.map((w) => `${[...w.table, w.key].join(".")} = ${formatValue(w.value)}`).join("; ");
    throw new UserError({
      code: "diaspora-toml-edit",
      message: `podhost could not safely update ${fileName}: the keys it needs to set are written in a form it does not edit (dotted keys or inline tables).`,
      fix: `Set these keys by hand in ${fileName} (under [${writes[0]!.table.join(".")}] and friends), then start again: ${wanted}.`,
    });
  }
  return { text: out, changes };
}

function setLine(lines: string[], write: TomlWrite): string[] {
  const newLine = `${write.key} = ${formatValue(write.value)}`;
  const header = lines.findIndex((line) => isHeaderOf(line, write.table));
  if (header === -1) {
    const tail = lines.length > 0 && lines[lines.length - 1] === "" ? lines.slice(0, -1) : lines;
    return [...tail, "", `[${write.table.join(".")}]`, newLine, ""];
  }
  let end = lines.findIndex((line, i) => i > header && /^\s*\[/.test(line));
  if (end === -1) end = lines.length;
  const key = escapeRegExp(write.key);
  const active = new RegExp(`^(\\s*)${key}\\s*=`);
  const commented = new RegExp(`^(\\s*)#+\\s*${key}\\s*=`);
  const out = [...lines];
  for (let i = header + 1; i < end; i++) {
    const match = active.exec(out[i]!);
    if (match) {
      out[i] = `${match[1]}${newLine}`;
      return out;
    }
  }
  for (let i = header + 1; i < end; i++) {
    const match = commented.exec(out[i]!);
    if (match) {
      out.splice(i + 1, 0, `${match[1]}${newLine}`);
      return out;
    }
  }
  out.splice(header + 1, 0, newLine);
  return out;
}

function isHeaderOf(line: string, table: string[]): boolean {
  const match = /^\s*\[([^[\]]+)\]\s*(#.*)?$/.exec(line);
  return match !== null && match[1]!.split(".").map((part) => part.trim().replace(/^"(.*)"$/, "$1")).join("\0") === table.join("\0");
}

function formatValue(value: string | boolean | number): string {
  return typeof value === "string" ? JSON.stringify(value) : String(value);
}

function parseOrExplain(text: string, fileName: string): TomlTable {
  try {
    return parse(text);
  } catch (error) {
    throw new UserError({
      code: "diaspora-toml-invalid",
      message: `${fileName} is not valid TOML, so podhost will not edit it: ${(error as Error).message.split("\n")[0]}`,
      fix: `Fix ${fileName} (or copy config/diaspora.toml.example over it), then start again.`,
    });
  }
}

function lookup(table: TomlTable, path: string[]): unknown {
  let current: unknown = table;
  for (const part of path) {
    if (typeof current !== "object" || current === null || !Object.hasOwn(current, part)) return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

function assign(table: TomlTable, path: string[], value: unknown): void {
  let current = table as Record<string, unknown>;
  for (const part of path.slice(0, -1)) {
    if (typeof current[part] !== "object" || current[part] === null) current[part] = {};
    current = current[part] as Record<string, unknown>;
  }
  current[path[path.length - 1]!] = value;
}

/** Plain JSON data (dates as strings, ordinary prototypes), so only values are compared. */
function plain(table: TomlTable): unknown {
  return JSON.parse(JSON.stringify(table));
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

export { lookup as tomlLookup };
