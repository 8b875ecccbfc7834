// `npm run dist` (after the build): electron-builder with podhost's config. Its progress lines go
// through as they are; if Electron's binary can't be downloaded (no internet), one line says so
// and how to provide it, instead of a stack trace. Arguments go to electron-builder.
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { createInterface } from "node:readline";

const require = createRequire(import.meta.url);
const electronVersion = require("electron/package.json").version;
const [major, minor] = process.versions.node.split(".").map(Number);
if (major < 22 || (major === 22 && minor < 12)) {
  // electron-builder's own dependencies (@electron/rebuild, node-abi) declare Node 22.12+; it runs here, unsupported.
  console.log(`podhost: packaging is supported on Node 22.12 or newer (this is ${process.versions.node}); trying anyway.`);
}

const builder = spawn(process.execPath, [require.resolve("electron-builder/cli.js"), "--config", "electron-builder.yml", ...process.argv.slice(2)], { stdio: ["ignore", "pipe", "pipe"] });

// electron-builder reports a failure as a "⨯" line followed by its stack: hold those back until we know what failed.
const held = [];
let failure;
let packaging = false;
for (const stream of [builder.stdout, builder.stderr]) {
  createInterface({ input: stream }).on("line", (line) => {
    if (failure !== undefined || /^\s*⨯/.test(line)) {
      failure ??= line;
      held.push(line);
      return;
    }
    if (/•\s+packaging\s/.test(line)) packaging = true;
    console.log(line);
  });
}

const code = await new Promise((resolve) => builder.on("close", (exitCode) => resolve(exitCode ?? 1)));
const network = /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|ECONNRESET|getaddrinfo|RequestError|HTTPError|socket hang up/;
if (code !== 0 && packaging && failure !== undefined && network.test(failure)) {
  const cause = /⨯\s*(.*?)\s+failedTask=/.exec(failure)?.[1] ?? failure.trim();
  console.error(
    `podhost: Electron's binary (v${electronVersion} for this platform) could not be fetched (${cause}). Provide it: build with -c.electronDist=/path/to/an/unpacked/electron, or put electron-v${electronVersion}-<platform>-<arch>.zip in Electron's cache (~/.cache/electron, or the folder in $electron_config_cache), then run npm run dist again.`,
  );
} else if (held.length > 0) {
  for (const line of held) console.error(line);
}
process.exit(code);
