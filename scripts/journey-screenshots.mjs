// Regenerates the README's journey screenshots (docs/journey/*.png) by running the journey
// end-to-end test, which writes every step's screenshot there too when PODHOST_DOCS_SCREENSHOTS=1.
// Usage: npm run docs:journey
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const vitest = fileURLToPath(new URL("../node_modules/vitest/vitest.mjs", import.meta.url));
const run = spawnSync(process.execPath, [vitest, "run", "test/e2e/journey.test.ts"], {
  cwd: root,
  stdio: "inherit",
  env: { ...process.env, PODHOST_DOCS_SCREENSHOTS: "1" },
});
if (run.status === 0) console.log("Journey screenshots written to docs/journey/.");
process.exit(run.status ?? 1);
