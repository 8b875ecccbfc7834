import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { screenshot, seriousA11yViolations } from "../helpers/browser";
import { podhost, type ServedPodhost } from "../helpers/podhost";
import { openPodhostUi, type UiSession } from "../helpers/ui-session";
import { startDdnsFixture, type DdnsFixture } from "../fixtures/ddns";

/**
 * Settings > Domain & DNS against the DuckDNS stand-in on loopback. Network safety: the update
 * server and the echo URL point at the loopback fixtures in the same save that picks the
 * provider, so the daemon never contacts a real provider or echo service.
 */
const token = "test-token-0123456789abcdef";
const address = "45.77.100.4";

let session: UiSession;
let dir: { path: string };
let served: ServedPodhost;
let duck: DdnsFixture;
let echo: DdnsFixture;
let page: Page;

beforeAll(async () => {
  duck = await startDdnsFixture("duckdns", { token });
  echo = await startDdnsFixture("echo", { address });
  session = await openPodhostUi();
  ({ page, served } = session);
  dir = { path: session.dataDir };
});
afterAll(async () => {
  await session?.close();
  await duck?.close();
  await echo?.close();
});

const section = () => page.locator('[data-section="domain"]');

describe("Settings > Domain & DNS with DuckDNS, against a loopback stand-in", () => {
  it("shows only the chosen provider's fields, in its words, with its server as the placeholder", async () => {
    await page.goto(`${served.origin}/#/settings/domain`);
    const provider = section().locator('[data-key="dns.provider"]');
    await provider.waitFor();
    expect(await provider.locator("option:checked").textContent()).toBe("Off");
    expect(await section().locator('[data-key="dns.name"]').count()).toBe(0);

    await provider.selectOption({ label: "DuckDNS" });
    await expect(section().getByLabel("Sub-domain (mypod or mypod.duckdns.org)").count()).resolves.toBe(1);
    await expect(section().getByLabel("Token", { exact: true }).getAttribute("type")).resolves.toBe("password");
    expect(await section().locator('[data-key="dns.username"]').count()).toBe(0);
    expect(await section().locator('[data-key="dns.password"]').count()).toBe(0);
    expect(await section().locator('[data-key="dns.tsigAlgorithm"]').count()).toBe(0);
    await section().getByText("Advanced", { exact: true }).click();
    await expect(section().locator('[data-key="dns.server"]').getAttribute("placeholder")).resolves.toBe("https://www.duckdns.org");
    expect(await seriousA11yViolations(page)).toEqual([]);
  });

  it("saves the provider with its loopback server and echo URL in one go; the save's own check sends exactly the expected request", async () => {
    await section().locator('[data-key="dns.server"]').fill(duck.baseUrl);
    await section().locator('[data-key="dns.ipEchoUrl"]').fill(echo.baseUrl);
    await section().locator('[data-key="dns.ipv6"]').setChecked(false);
    await section().locator('[data-key="dns.name"]').fill("pod");
    await section().locator('[data-key="dns.token"]').fill(token);
    await page.getByRole("button", { name: "Save Domain & DNS" }).click();
    await section().locator('[data-save-result="saved"]').waitFor();
    expect((await podhost(dir.path, ["config", "get", "dns.server"])).stdout.trim()).toBe(duck.baseUrl);

    // Saving runs a check at once (the daemon's policy): it publishes the address once.
    await page.goto(`${served.origin}/#/status`);
    const row = page.locator('[data-service="dns"] [data-dns-history] tbody tr');
    await row.first().waitFor();
    expect(await row.count()).toBe(1);
    expect(await row.first().getAttribute("data-outcome")).toBe("accepted");
    expect(await row.first().textContent()).toContain(address);
    await expect(page.getByRole("table", { name: "Update history" }).isVisible()).resolves.toBe(true);
    const facts = page.locator('[data-service="dns"] [data-facts="dns"]');
    expect(await facts.textContent()).toMatch(new RegExp(`Published address:?\\s*${address.replace(/\./g, "\\.")}`));
    expect(await facts.textContent()).toContain(`${address} (from ${new URL(echo.baseUrl).host})`);

    expect(duck.requests).toHaveLength(1);
    expect(duck.requests[0]).toMatchObject({ method: "GET", path: "/update" });
    expect(duck.requests[0]!.query).toEqual({ domains: "pod", token, ip: address, verbose: "true" });
    expect(duck.requests[0]!.headers["user-agent"]).toMatch(/^podhost\/\d/);
    expect(await seriousA11yViolations(page)).toEqual([]);
    await screenshot(page, "dns-status-history");
  });

  it("Update now names the address and sends nothing while the provider already has it", async () => {
    await page.goto(`${served.origin}/#/settings/domain`);
    await page.getByRole("button", { name: "Update now" }).click();
    const result = section().locator('[data-result="dns.update"]');
    await result.locator("[data-outcome]").waitFor();
    expect(await result.getAttribute("aria-live")).toBe("polite");
    expect(await result.locator("[data-outcome]").textContent()).toBe(`${address} is already published; nothing sent.`);
    expect(await result.textContent()).toContain("Next check in 5 minutes.");
    expect(duck.requests).toHaveLength(1);
    await screenshot(page, "dns-update-now");
  });

  it("Force passes the unchanged-address rule, and the result says why the provider's one-a-minute limit still holds", async () => {
    await page.getByRole("checkbox", { name: "Force" }).check();
    await page.getByRole("button", { name: "Update now" }).click();
    const outcome = section().locator('[data-result="dns.update"] [data-outcome]', { hasText: "once a minute" });
    await outcome.waitFor();
    expect(await outcome.textContent()).toMatch(/^The last update was sent .* ago, and providers block clients that update more than once a minute; nothing sent\.$/);
    expect(duck.requests).toHaveLength(1);
    expect(await seriousA11yViolations(page)).toEqual([]);
  });
});
