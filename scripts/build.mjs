// Builds everything podhost runs: the Node side bundled by esbuild (one file per entry,
// fast to start), the React UI by Vite. Dependencies stay in node_modules.
import { build } from "esbuild";
import { build as viteBuild } from "vite";
import { fileURLToPath } from "node:url";
import { rmSync } from "node:fs";

const root = fileURLToPath(new URL("..", import.meta.url));
const common = {
  absWorkingDir: root,
  bundle: true,
  platform: "node",
  target: "node20",
  format: "esm",
  packages: "external",
  sourcemap: "linked",
  logLevel: "warning",
  banner: { js: "import { createRequire as __podhostRequire } from 'node:module'; const require = __podhostRequire(import.meta.url);" },
};

// Chunk names carry content hashes: clear the old ones so dist/ holds one build.
for (const old of ["dist/chunks", "dist/cli.js", "dist/cli.js.map", "dist/electron"]) rmSync(new URL(`../${old}`, import.meta.url), { recursive: true, force: true });

// Code splitting: `podhost status` loads the CLI and its client, not the daemon's services.
const splitting = { splitting: true, chunkNames: "chunks/[name]-[hash]" };
await Promise.all([
  build({ ...common, ...splitting, entryPoints: { cli: "main/cli/index.ts" }, outdir: "dist" }),
  build({ ...common, ...splitting, entryPoints: { "electron/main": "main/electron/main.ts" }, outdir: "dist", external: ["electron"] }),
  viteBuild({ configFile: `${root}/vite.config.ts`, logLevel: "warn" }),
]);
