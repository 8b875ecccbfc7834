import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { launchChromium, screenshot, seriousA11yViolations } from "../helpers/browser";
import { requireTool } from "../helpers/tools";
import { installWorld, type InstallWorld } from "./world";

requireTool("initdb", ["/usr/lib/postgresql/15/bin/initdb"]);

describe("Install diaspora* for me, in the UI", () => {
  let world: InstallWorld;
  let chromium: { browser: Browser; close: () => Promise<void> };
  let page: Page;
  const panel = () => page.locator('[data-extra="install"]');

  beforeAll(async () => {
    world = await installWorld();
    chromium = await launchChromium();
    page = await (await chromium.browser.newContext()).newPage();
    await page.goto(world.served.uiUrl);
    await page.locator('[data-service="pod"]').waitFor();
  });
  afterAll(async () => {
    await chromium?.close();
    await world?.cleanup();
  });

  it("the setup's pod step offers it beside a checkout of your own, and will not go on before it started", async () => {
    await page.goto(`${world.served.origin}/#/setup`);
    await page.getByLabel("Dedicated to the pod", { exact: true }).check();
    await page.locator("[data-next]").click();
    await page.locator('[data-step="pod"]').waitFor();
    await page.getByLabel("Install diaspora* for me", { exact: true }).check();
    await expect(panel().getByRole("button", { name: "Show what it will do" }).isVisible()).resolves.toBe(true);
    await page.locator("[data-next]").click();
    await expect(page.locator('[data-step="pod"] .error-note').textContent()).resolves.toContain("diaspora* is not installed yet.");
    expect(await seriousA11yViolations(page)).toEqual([]);
  });

  it("shows what it will do first: the release, the steps, the disk and time, what was run for real, and this computer's check", async () => {
    await page.goto(`${world.served.origin}/#/settings/pod`);
    await panel().getByRole("button", { name: "Show what it will do" }).click();
    const plan = panel().locator("[data-install-plan]");
    await plan.waitFor();
    expect(await plan.getAttribute("data-install-plan")).toBe("v0.9.1.0");
    expect(await plan.locator("li").count()).toBe(6);
    await expect(plan.textContent()).resolves.toMatch(/needs about 1\.5 GB of disk \(\d+\.\d GB free\)/);
    await expect(panel().locator("[data-tested-with]").textContent()).resolves.toContain("stand-ins for Ruby, Bundler and rake");
    expect(await panel().locator("[data-system-check]").getAttribute("data-system-check")).toBe("ok");
    await expect(panel().locator('[data-check-item="ruby"]').textContent()).resolves.toContain("Ruby 3.3.6");
    expect(await seriousA11yViolations(page)).toEqual([]);
    await screenshot(page, "install-plan");
  });

  it("shows each step's progress, stops at a failed step with what to do, and Retry finishes from there", async () => {
    await writeFile(join(world.faults, "missing-libpq"), "");
    await panel().getByRole("button", { name: "Install diaspora* v0.9.1.0" }).click();
    const progress = panel().locator("[data-install-state]");
    await page.locator('[data-install-state="failed"]').first().waitFor({ timeout: 60_000 });
    expect(await progress.first().locator('[data-step-state="done"]').count()).toBe(3);
    await expect(panel().locator(".error-note").textContent()).resolves.toContain("The gem pg 1.5.9 could not be built: the PostgreSQL client library (libpq) is missing on this computer.");
    await expect(panel().locator(".error-note").textContent()).resolves.toContain("sudo apt install libpq-dev");
    await expect(panel().locator("[data-output-tail]").textContent()).resolves.toContain("An error occurred while installing pg (1.5.9)");
    // The Status page's Pod card shows the same.
    expect(await seriousA11yViolations(page)).toEqual([]);
    await screenshot(page, "install-failed");

    await rm(join(world.faults, "missing-libpq"));
    await panel().getByRole("button", { name: 'Retry from "Install the gems"' }).click();
    await panel().locator("[data-releases]").waitFor({ timeout: 60_000 });
    await expect(panel().textContent()).resolves.toContain("podhost installed diaspora* v0.9.1.0.");
    expect((await world.status()).install.state).toBe("done");
  });
});
