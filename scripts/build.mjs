// Builds everything podhost runs: the Node side bundled by esbuild (one file per entry,
// fast to start), the React UI by Vite. Dependencies stay in node_modules.
import { build } from "esbuild";
import { build as viteBuild } from "vite";
import { fileURLToPath } from "node:url";

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

await Promise.all([
  build({ ...common, entryPoints: { cli: "main/cli/index.ts" }, outdir: "dist" }),
  build({ ...common, entryPoints: { "electron/main": "main/electron/main.ts" }, outdir: "dist", external: ["electron"] }),
  viteBuild({ configFile: `${root}/vite.config.ts`, logLevel: "warn" }),
]);
