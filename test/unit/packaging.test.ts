import { describe, expect, it } from "vitest";
import { execFile } from "node:child_process";
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { load } from "js-yaml";
import { freePort } from "../helpers/ports";
import { repoRoot } from "../helpers/podhost";
import { tempDir } from "../helpers/temp";

const require = createRequire(import.meta.url);
const config = load(readFileSync(new URL("../../electron-builder.yml", import.meta.url), "utf8")) as { deb: { depends: string[]; recommends: string[] } };
const networkGuard = fileURLToPath(new URL("../helpers/network-guard.mjs", import.meta.url));

/** electron-builder's own defaults, asked of electron-builder itself (they are replaced by a list in the config). */
function builderDefaults(kind: "getDefaultDepends" | "getDefaultRecommends"): string[] {
  const { default: FpmTarget } = require("app-builder-lib/out/targets/FpmTarget") as { default: { prototype: Record<typeof kind, (target: string) => string[]> } };
  return FpmTarget.prototype[kind].call(undefined, "deb");
}

describe("packaging (electron-builder.yml)", () => {
  it("keeps electron-builder's default deb dependencies, and adds podhost's own", () => {
    const defaults = builderDefaults("getDefaultDepends");
    expect(defaults).toEqual(expect.arrayContaining(["libgtk-3-0", "xdg-utils", "libnss3"]));
    expect(config.deb.depends).toEqual(expect.arrayContaining(defaults));
    expect(config.deb.depends).toContain("ca-certificates");
    expect(config.deb.recommends).toEqual(expect.arrayContaining(builderDefaults("getDefaultRecommends")));
  });

  it("says in one line that Electron's binary could not be fetched and how to provide it, without a stack trace", async () => {
    const refusing = await freePort();
    const cache = await tempDir();
    try {
      // Electron's download goes to a loopback port nobody listens on; every name lookup is refused too.
      // electron-builder stops logging progress when it sees VITEST: run it as a person would.
      const { VITEST: _underTest, ...userEnv } = process.env;
      const env = {
        ...userEnv,
        ELECTRON_MIRROR: `http://127.0.0.1:${refusing}/`,
        electron_config_cache: cache.path,
        ELECTRON_BUILDER_CACHE: cache.path,
        HTTPS_PROXY: `http://127.0.0.1:${refusing}`,
        HTTP_PROXY: `http://127.0.0.1:${refusing}`,
        NODE_OPTIONS: `--import ${networkGuard}`,
      };
      const result = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
        execFile(process.execPath, ["scripts/dist.mjs", "--linux", "dir", `-c.directories.output=${cache.path}/release`], { cwd: repoRoot, env, timeout: 240_000 }, (error, stdout, stderr) => resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr })),
      );
      expect(result.code, `${result.stdout}\n${result.stderr}`).not.toBe(0);
      const lines = result.stderr.trim().split("\n");
      expect(lines, result.stderr).toHaveLength(1);
      expect(lines[0]).toMatch(/^podhost: Electron's binary .* could not be fetched \(connect ECONNREFUSED 127\.0\.0\.1:\d+\)\. Provide it: .*electronDist.*cache/);
      expect(`${result.stdout}${result.stderr}`).not.toMatch(/\n\s+at /);
    } finally {
      await cache.cleanup();
    }
  }, 300_000);
});
