import type { Browser, Page } from "playwright-core";
import { expect } from "vitest";
import { launchChromium } from "./browser";
import { podhost, servePodhost, type ServedPodhost } from "./podhost";
import { tempDir } from "./temp";

export interface UiSession {
  dataDir: string;
  served: ServedPodhost;
  browser: Browser;
  page: Page;
  /** Chromium closed, the daemon stopped, the data dir removed. */
  close(): Promise<void>;
}

/**
 * A fresh data dir with `settings` saved through `podhost config set` (as a user would), then
 * `podhost serve`, and the UI open in Chromium on the Status page.
 */
export async function openPodhostUi(options: { settings?: Record<string, unknown>; env?: NodeJS.ProcessEnv } = {}): Promise<UiSession> {
  const dir = await tempDir();
  for (const [key, value] of Object.entries(options.settings ?? {})) {
    const result = await podhost(dir.path, ["config", "set", key, typeof value === "string" ? value : JSON.stringify(value)]);
    expect(result.code, result.stderr).toBe(0);
  }
  const served = await servePodhost(dir.path, options.env);
  const chromium = await launchChromium();
  const page = await (await chromium.browser.newContext()).newPage();
  await page.goto(served.uiUrl);
  await page.locator('[data-service="pod"]').waitFor();
  return {
    dataDir: dir.path,
    served,
    browser: chromium.browser,
    page,
    close: async () => {
      await chromium.close();
      await served.stop();
      await dir.cleanup();
    },
  };
}
