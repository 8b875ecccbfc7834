import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { screenshot } from "../helpers/browser";
import { podhost, spawnPodhost } from "../helpers/podhost";
import { openPodhostUi, type UiSession } from "../helpers/ui-session";
import { waitFor } from "../helpers/temp";

let session: UiSession;
let page: Page;
let dir: string;

beforeAll(async () => {
  session = await openPodhostUi();
  ({ page } = session);
  dir = session.dataDir;
});
afterAll(() => session?.close());

const maxBody = () => page.locator('[data-key="proxy.maxBodyMiB"]');
const saveNetwork = () => page.getByRole("button", { name: "Save Network" }).click();
const saved = async (key: string) => (await podhost(dir, ["config", "get", key])).stdout.trim();
async function cliSets(key: string, value: string): Promise<void> {
  const result = await podhost(dir, ["config", "set", key, value]);
  expect(result.code, result.stderr).toBe(0);
}

describe("the Settings page with a second editor (the CLI)", () => {
  it("takes a change made elsewhere at once while nothing is being edited", async () => {
    await page.goto(`${session.served.origin}/#/settings/network`);
    await expect(maxBody().inputValue()).resolves.toBe("5");
    await cliSets("proxy.maxBodyMiB", "9");
    await waitFor("the page to show the CLI's value", async () => (await maxBody().inputValue()) === "9");
  });

  it("keeps the user's unsaved edit, says what changed elsewhere, and saves over it only when told to overwrite", async () => {
    await maxBody().fill("7");
    await cliSets("proxy.maxBodyMiB", "11");
    const notice = page.locator("[data-changed-elsewhere]");
    await notice.waitFor();
    expect(await notice.getAttribute("data-changed-elsewhere")).toContain("proxy.maxBodyMiB");
    expect(await notice.textContent()).toMatch(/is now 11.*unsaved edits are kept/);
    expect(await maxBody().inputValue()).toBe("7");

    await saveNetwork();
    const result = page.locator('[data-section="network"] [data-save-result="error"]');
    await result.waitFor();
    expect(await result.textContent()).toMatch(/changed elsewhere.*reload or overwrite/);
    expect(await saved("proxy.maxBodyMiB")).toBe("11");
    await screenshot(page, "settings-changed-elsewhere");

    await page.locator('[data-section="network"]').getByRole("button", { name: "Overwrite" }).click();
    await page.locator('[data-section="network"] [data-save-result="saved"]').waitFor();
    expect(await saved("proxy.maxBodyMiB")).toBe("7");
  });

  it("drops the edit for the saved value when told to reload", async () => {
    await maxBody().fill("6");
    await cliSets("proxy.maxBodyMiB", "12");
    await page.locator("[data-changed-elsewhere]").waitFor();
    await saveNetwork();
    await page.locator('[data-section="network"]').getByRole("button", { name: "Reload" }).click();
    await waitFor("the saved value in the field", async () => (await maxBody().inputValue()) === "12");
    expect(await page.locator("[data-changed-elsewhere]").count()).toBe(0);
    expect(await saved("proxy.maxBodyMiB")).toBe("12");
  });

  it("reconnects by itself after the daemon restarts, with no click on Try again", async () => {
    const port = new URL(session.served.origin).port;
    await session.served.stop();
    await page.goto(`${session.served.origin}/#/status`);
    await page.goto(`${session.served.origin}/#/settings/network`).catch(() => undefined);
    await page.getByText("Lost touch with podhost").or(page.getByText(/Could not reach podhost/)).first().waitFor();

    // The same daemon again, on the same port, as after a restart of the service.
    const again = spawnPodhost(dir, ["serve", "--ui-port", port]);
    try {
      await waitFor("the daemon to be back", () => /podhost UI:/.test(again.output()), 30_000);
      await cliSets("proxy.maxBodyMiB", "13");
      await waitFor("the Settings page to load by itself", async () => (await maxBody().count()) === 1 && (await maxBody().inputValue()) === "13", 30_000).catch(async (error: Error) => {
        const field = (await maxBody().count()) === 1 ? await maxBody().inputValue() : "(no field)";
        throw new Error(`${error.message}\nThe field shows ${field}; the page says: ${(await page.locator("body").innerText().catch(() => "")).slice(0, 600)}\nThe daemon said: ${again.output().slice(-1500)}`);
      });
      expect(await page.getByText(/Could not reach podhost/).count()).toBe(0);
    } finally {
      again.child.kill("SIGTERM");
      await again.exited;
    }
  });
});
