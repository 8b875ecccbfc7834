import { afterEach, describe, expect, it } from "vitest";
import { writeFile } from "node:fs/promises";
import { launchChromium, screenshot } from "../helpers/browser";
import { podhost, servePodhost } from "../helpers/podhost";
import { tempDir } from "../helpers/temp";
import { dataPaths } from "../../main/store/paths";
import type { StatusSnapshot } from "../../shared/status";

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe("notices in the UI", () => {
  it("shows a settings field that fell back to its default until the user dismisses it, and it stays dismissed after a restart", async () => {
    const dir = await tempDir();
    cleanups.push(dir.cleanup);
    await writeFile(dataPaths(dir.path).settings, JSON.stringify({ version: 1, settings: { domain: "pod.example.org", proxy: { httpsPort: 70000 } } }));
    let served = await servePodhost(dir.path);
    cleanups.push(() => served.stop());
    const chromium = await launchChromium();
    cleanups.push(() => chromium.close());
    const page = await (await chromium.browser.newContext()).newPage();
    await page.goto(served.uiUrl);

    const notice = page.locator("[data-notice]");
    await notice.waitFor();
    expect(await notice.innerText()).toMatch(/proxy\.httpsPort .*70000.*uses its default \(8443\); every other setting was kept/);
    await screenshot(page, "ui-notice");
    await notice.getByRole("button", { name: "Dismiss notice" }).click();
    await notice.waitFor({ state: "detached" });

    expect((await podhost(dir.path, ["notices"])).stdout.trim()).toBe("No notices.");
    await served.stop();
    served = await servePodhost(dir.path);
    const status = JSON.parse((await podhost(dir.path, ["status", "--json"])).stdout) as StatusSnapshot;
    expect(status.daemon.notices).toEqual([]);
    expect((await podhost(dir.path, ["config", "get", "domain"])).stdout.trim()).toBe("pod.example.org");
  });
});
