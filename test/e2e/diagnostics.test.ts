import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { hopLabels } from "../../shared/doctor";
import { screenshot, seriousA11yViolations } from "../helpers/browser";
import { openPodhostUi, type UiSession } from "../helpers/ui-session";

/**
 * Network safety: the doctor resolves the pod's domain with the system resolver, which would
 * send the query off this machine for any name; so no domain is set, and the DNS hop explains that.
 * With UPnP off it tries no hairpin connection; its only other probe is TLS to 127.0.0.1.
 */
let session: UiSession;
let page: Page;

beforeAll(async () => {
  session = await openPodhostUi();
  ({ page } = session);
});
afterAll(() => session?.close());

describe("the Diagnostics page", () => {
  it("is reached from the Status page's Diagnose link", async () => {
    await page.getByRole("link", { name: "Diagnose" }).click();
    await page.getByRole("heading", { level: 1, name: "Diagnostics" }).waitFor();
    expect(page.url()).toMatch(/#\/diagnostics$/);
    await expect(page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Diagnostics" }).getAttribute("aria-current")).resolves.toBe("page");
  });

  it("runs the doctor and draws the eight hops in path order, each with a state word, the reason and the fix", async () => {
    // By keyboard, as someone without a mouse would.
    await page.getByRole("button", { name: "Run doctor" }).focus();
    await page.keyboard.press("Enter");
    const path = page.getByRole("list", { name: "The path from the internet to your pod" });
    await path.waitFor();
    const hops = path.locator("li[data-hop]");
    expect(await hops.evaluateAll((items) => items.map((item) => item.getAttribute("data-hop")))).toEqual(["internet", "dns", "router", "http", "pc", "proxy", "certificate", "pod"]);
    const labels = await hops.evaluateAll((items) => items.map((item) => item.getAttribute("aria-label")));
    expect(labels.map((label) => label?.replace(/: .*$/, ""))).toEqual(Object.values(hopLabels).map((label, index) => `${index + 1}. ${label}`));
    for (const label of labels) expect(label).toMatch(/: (works|note|broken|not checked)$/);

    const dns = page.locator('li[data-hop="dns"]');
    expect(await dns.getAttribute("data-hop-state")).toBe("fail");
    expect(await dns.locator(".hop-reason").textContent()).toBe("No domain is set for the pod.");
    expect(await dns.locator(".hop-fix").textContent()).toBe("Fix: Set the pod's domain in Settings > Pod.");
    expect(await dns.locator(".pill").textContent()).toBe("broken");
    // The pod is not configured, so the pod hop fails and names what to do.
    expect(await page.locator('li[data-hop="pod"]').getAttribute("data-hop-state")).toBe("fail");
    expect(await page.locator('li[data-hop="pod"] .hop-fix').textContent()).toMatch(/^Fix: ./);
    expect(await page.locator('li[data-hop="router"] .hop-reason').textContent()).toMatch(/does not manage the router/);
    expect(await page.locator("[data-doctor-summary]").textContent()).toMatch(/^Needs attention\. Pod: /);
    expect(await seriousA11yViolations(page)).toEqual([]);
    await screenshot(page, "diagnostics-doctor");
  });

  it("keeps the path readable on a narrow screen: hops wrap instead of overflowing", async () => {
    await page.setViewportSize({ width: 400, height: 900 });
    // Evaluated in the page (the tests are compiled without the DOM's types).
    const overflow = await page.evaluate<number>("document.documentElement.scrollWidth - document.documentElement.clientWidth");
    expect(overflow).toBeLessThanOrEqual(0);
    await screenshot(page, "diagnostics-doctor-narrow");
  });
});
