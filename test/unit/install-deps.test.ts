import { describe, expect, it } from "vitest";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { basename, join } from "node:path";

const root = new URL("../../", import.meta.url).pathname;

/** Every file below `dir` ending in .ts or .mjs. */
function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === "node_modules" || name === "artifacts" ? [] : sources(path);
    return /\.(ts|mjs)$/.test(name) ? [path] : [];
  });
}

/** The file names .ci/install-deps checks after installing, each with its package. */
function checkedFiles(): Map<string, string> {
  const script = readFileSync(join(root, ".ci/install-deps"), "utf8");
  const files = new Map<string, string>();
  for (const match of script.matchAll(/^\s*"([a-z0-9.+-]+)\s+([^"]+)"/gm)) {
    for (const path of match[2]!.trim().split(/\s+/)) files.set(basename(path), match[1]!);
  }
  return files;
}

describe(".ci/install-deps", () => {
  it("checks, with its package, every program the tests and benchmarks ask for by name", () => {
    const checked = checkedFiles();
    const asked = new Set<string>();
    for (const file of [...sources(join(root, "test")), ...sources(join(root, "bench"))]) {
      for (const match of readFileSync(file, "utf8").matchAll(/requireTool\("([^"]+)"/g)) asked.add(match[1]!);
    }
    expect(asked.size).toBeGreaterThan(10);
    const unchecked = [...asked].filter((tool) => !checked.has(tool));
    expect(unchecked, "add these to .ci/install-deps, with the Debian package that provides them").toEqual([]);
  });

  it("checks lighttpd's TLS module, which a --no-install-recommends install leaves out", () => {
    expect(checkedFiles().get("mod_openssl.so")).toBe("lighttpd-mod-openssl");
  });
});
