import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { existsSync } from "node:fs";
import type { Page } from "playwright-core";
import { screenshot, seriousA11yViolations } from "../helpers/browser";
import { podhost, type ServedPodhost } from "../helpers/podhost";
import { openPodhostUi, type UiSession } from "../helpers/ui-session";

let session: UiSession;
let page: Page;
let served: ServedPodhost;
let dir: { path: string };

beforeAll(async () => {
  session = await openPodhostUi();
  ({ page, served } = session);
  dir = { path: session.dataDir };
});
afterAll(() => session?.close());

describe("the UI in Chromium, served by `podhost serve`", () => {
  it("opens on the Status page with a card for each service, and drops the token from the address", async () => {
    await expect(page.getByRole("heading", { level: 1, name: "Status" }).isVisible()).resolves.toBe(true);
    for (const service of ["pod", "proxy", "certs", "ports", "dns"]) {
      await expect(page.locator(`[data-service="${service}"]`).count()).resolves.toBe(1);
    }
    expect(page.url()).not.toContain("token=");
    await expect(page.locator('[data-service="pod"]').getAttribute("data-state")).resolves.toBe("not-configured");
    await screenshot(page, "ui-status");
  });

  it("passes an axe scan with no serious or critical violations on every page", async () => {
    for (const route of ["#/status", "#/settings", "#/logs"]) {
      await page.goto(`${served.origin}/${route}`);
      await page.getByRole("heading", { level: 1 }).waitFor();
      expect(await seriousA11yViolations(page), route).toEqual([]);
    }
  });

  it("changes a setting through the form, and `podhost config get` sees it persisted", async () => {
    await page.goto(`${served.origin}/#/settings/network`);
    const field = page.locator('[data-key="proxy.httpsPort"]');
    await field.fill("9443");
    await page.getByRole("button", { name: "Save Network" }).click();
    await page.locator('[data-section="network"] [data-save-result="saved"]').waitFor();
    expect((await podhost(dir.path, ["config", "get", "proxy.httpsPort"])).stdout.trim()).toBe("9443");
    await screenshot(page, "ui-settings-saved");
  });

  it("shows a bad value's error next to its field and saves nothing", async () => {
    await page.goto(`${served.origin}/#/settings/network`);
    await page.locator('[data-key="proxy.httpPort"]').fill("70000");
    await page.getByRole("button", { name: "Save Network" }).click();
    const error = page.locator('[data-field="proxy.httpPort"] .field-error');
    await error.waitFor();
    expect(await error.textContent()).toMatch(/proxy\.httpPort must be from 1 to 65535/);
    await expect(page.locator('[data-key="proxy.httpPort"]').getAttribute("aria-invalid")).resolves.toBe("true");
    expect((await podhost(dir.path, ["config", "get", "proxy.httpPort"])).stdout.trim()).toBe("8080");
  });

  it("updates live from the event stream when the CLI changes something", async () => {
    await page.goto(`${served.origin}/#/status`);
    const pod = page.locator('[data-service="pod"]');
    await pod.waitFor();
    expect(await pod.getAttribute("data-state")).toBe("not-configured");
    await podhost(dir.path, ["config", "set", "pod.profile", "custom"]);
    await podhost(dir.path, ["config", "set", "pod.command", "node"]);
    await page.locator('[data-service="pod"][data-state="stopped"]').waitFor();
  });

  it("tails the log live on the Logs page", async () => {
    await page.goto(`${served.origin}/#/logs`);
    await page.getByRole("log", { name: "Log lines" }).waitFor();
    await podhost(dir.path, ["config", "set", "domain", "live.example.org"]);
    await page.getByRole("log", { name: "Log lines" }).getByText("Settings changed: domain").waitFor();
    await screenshot(page, "ui-logs");
  });

  it("works with the keyboard alone: skip link, navigation, a form", async () => {
    // A fresh load, so focus starts at the top of the document as it does for a person.
    await page.goto(`${served.origin}/#/status`);
    await page.reload();
    await page.locator('[data-service="pod"]').waitFor();
    await page.keyboard.press("Tab");
    await expect(page.locator(":focus").textContent()).resolves.toBe("Skip to content");
    let reached = false;
    for (let i = 0; i < 10 && !reached; i++) {
      await page.keyboard.press("Tab");
      reached = (await page.locator(":focus").textContent()) === "Settings";
    }
    expect(reached).toBe(true);
    await page.keyboard.press("Enter");
    await page.getByRole("heading", { level: 1, name: "Settings" }).waitFor();
    await page.locator('[data-key="proxy.httpsPort"]').focus();
    await page.keyboard.press("ControlOrMeta+A");
    await page.keyboard.type("9444");
    await page.keyboard.press("Enter");
    await page.locator('[data-section="network"] [data-save-result="saved"]').waitFor();
    expect((await podhost(dir.path, ["config", "get", "proxy.httpsPort"])).stdout.trim()).toBe("9444");
  });

  it("shows the sign-in screen, not data, to a browser without the link", async () => {
    const stranger = await session.browser.newPage();
    await stranger.goto(served.origin);
    await stranger.locator('[data-screen="unauthorized"]').waitFor();
    expect(await stranger.locator('[data-service="pod"]').count()).toBe(0);
    // It points at the command that prints the link, and says what the link is: a permanent key.
    const explanation = await stranger.locator("main").innerText();
    expect(explanation).toMatch(/podhost open/);
    expect(explanation).toMatch(/does not expire/);
    expect(explanation).not.toMatch(/one-time/);
    await stranger.close();
  });

  it("saved its screenshots as test artifacts", () => {
    expect(existsSync(new URL("../artifacts/ui-status.png", import.meta.url))).toBe(true);
  });
});
