import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";

/**
 * The path of a system tool an integration test needs. A missing tool is a failure, never a
 * skip: `npm run test:deps` (or .ci/run) installs them all.
 */
export function requireTool(name: string, candidates: string[] = []): string {
  for (const path of candidates) if (existsSync(path)) return path;
  try {
    return execFileSync("sh", ["-c", `command -v ${name}`], { encoding: "utf8" }).trim();
  } catch {
    throw new Error(`${name} is not installed: run \`npm run test:deps\` (it installs the Debian packages the tests use).`);
  }
}
