#!/usr/bin/env node
// The `podhost` command: a thin launcher for the bundled CLI in dist/.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const cli = fileURLToPath(new URL("../dist/cli.js", import.meta.url));
if (!existsSync(cli)) {
  console.error("podhost is not built yet: run `npm run build` in the podhost folder first.");
  process.exit(1);
}
await import(cli);
