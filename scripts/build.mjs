// Builds everything podhost runs: the Node side bundled by esbuild (one file per entry,
// fast to start), the React UI by Vite. Dependencies stay in node_modules.
import { build } from "esbuild";
import { build as viteBuild } from "vite";
import { fileURLToPath } from "node:url";
import { readdirSync, readFileSync, rmSync } from "node:fs";

const root = fileURLToPath(new URL("..", import.meta.url));
const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
const bundled = new Set(["zod", "ipaddr.js"]);
const common = {
  absWorkingDir: root,
  bundle: true,
  platform: "node",
  target: "node20",
  format: "esm",
  // Dependencies stay in node_modules, except those bundled:
  // - zod, so only the parts podhost uses are loaded (imported as a namespace, `import * as z`:
  //   `import { z }` pulls in all of zod, locales included);
  // - ipaddr.js, a CommonJS package: imported by Node's ESM loader, its named exports are read by
  //   cjs-module-lexer, which cost the idle daemon ~7 MB of resident memory (64.6 -> 58.3 MB).
  //   (write-file-atomic, also CommonJS, can't be bundled: it names its temp files after __filename.)
  external: Object.keys(pkg.dependencies).filter((name) => !bundled.has(name)).concat(Object.keys(pkg.devDependencies)),
  sourcemap: "linked",
  logLevel: "warning",
  banner: { js: "import { createRequire as __podhostRequire } from 'node:module'; const require = __podhostRequire(import.meta.url);" },
};

// Code splitting: `podhost status` loads the CLI and its client, not the daemon's services.
const splitting = { splitting: true, chunkNames: "chunks/[name]-[hash]", metafile: true };
const [cli, electron] = await Promise.all([
  build({ ...common, ...splitting, entryPoints: { cli: "main/cli/index.ts", "proxy-worker": "main/proxy/worker-main.ts" }, outdir: "dist" }),
  build({ ...common, ...splitting, entryPoints: { "electron/main": "main/electron/main.ts" }, outdir: "dist", external: ["electron"] }),
  viteBuild({ configFile: `${root}/vite.config.ts`, logLevel: "warn" }),
]);

// Chunk names carry content hashes: remove the ones this build no longer uses (after
// writing the new ones, so a podhost already running from dist/ keeps its files meanwhile).
const used = new Set([...Object.keys(cli.metafile.outputs), ...Object.keys(electron.metafile.outputs)]);
for (const name of readdirSync(new URL("../dist/chunks", import.meta.url))) {
  if (!used.has(`dist/chunks/${name}`)) rmSync(new URL(`../dist/chunks/${name}`, import.meta.url), { force: true });
}
