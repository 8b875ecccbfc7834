import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

/** Tests that start podhost as a user would run the built bundle: build it once, first. */
export default function setup(): void {
  const root = fileURLToPath(new URL("../..", import.meta.url));
  execFileSync(process.execPath, ["scripts/build.mjs"], { cwd: root, stdio: "inherit" });
}
