import { describe, expect, it } from "vitest";
import { createRequire } from "node:module";
import { _electron as electron } from "playwright-core";
import { repoRoot } from "../helpers/podhost";
import { tempDir } from "../helpers/temp";

/** The Electron binary, when this machine could download it (see README: install scripts are off). */
function electronBinary(): string | undefined {
  try {
    return createRequire(import.meta.url)("electron") as string;
  } catch {
    return undefined;
  }
}

const binary = electronBinary();
const noElectron = binary === undefined ? "no Electron binary on this machine (it is fetched by `npm start` on a PC with internet)" : "";

describe.skipIf(binary === undefined)(`tray app (Electron)${noElectron ? ` — skipped: ${noElectron}` : ""}`, () => {
  it("opens the window on the daemon's UI and quits cleanly", async () => {
    const dir = await tempDir();
    const app = await electron.launch({ executablePath: binary, args: [repoRoot, "--no-sandbox"], env: { ...process.env, PODHOST_DATA_DIR: dir.path } });
    try {
      const window = await app.firstWindow();
      await window.getByRole("heading", { name: "Status" }).waitFor();
      expect(await window.title()).toMatch(/podhost/);
    } finally {
      await app.close();
      await dir.cleanup();
    }
  });
});
