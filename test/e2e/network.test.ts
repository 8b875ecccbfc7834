import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { screenshot, seriousA11yViolations } from "../helpers/browser";
import { podhost, type ServedPodhost } from "../helpers/podhost";
import { openPodhostUi, type UiSession } from "../helpers/ui-session";

/**
 * Settings > Network. Network safety: UPnP stays off (it would search the real LAN) and
 * neither "Check my router" nor the web server "Check" (it requests the pod's public name) is pressed.
 */
let session: UiSession;
let dir: { path: string };
let served: ServedPodhost;
let page: Page;

beforeAll(async () => {
  session = await openPodhostUi({ settings: { domain: "pod.example.org" } });
  ({ page, served } = session);
  dir = { path: session.dataDir };
  await page.context().grantPermissions(["clipboard-read", "clipboard-write"], { origin: served.origin });
});
afterAll(() => session?.close());

const section = () => page.locator('[data-section="network"]');

describe("Settings > Network", () => {
  it("explains what opening router ports exposes, next to the switch, which stays off", async () => {
    await page.goto(`${served.origin}/#/settings/network`);
    const upnp = section().getByRole("checkbox", { name: "Open ports on my router automatically" });
    await upnp.waitFor();
    expect(await upnp.isChecked()).toBe(false);
    const described = await upnp.getAttribute("aria-describedby");
    const warning = section().locator('[data-field="ports.upnp"] .field-warning');
    expect(described).toContain(await warning.getAttribute("id"));
    expect(await warning.textContent()).toMatch(/whole internet/);
    // Advanced keeps the discovery timeout folded away; HTTP's external port shows only when HTTP is mapped.
    expect(await section().locator('[data-key="ports.discoveryTimeoutMs"]').isVisible()).toBe(false);
    expect(await section().locator('[data-key="ports.externalHttpPort"]').count()).toBe(0);
    await section().locator('[data-key="ports.mapHttp"]').check();
    await section().locator('[data-key="ports.externalHttpPort"]').waitFor();
    await section().locator('[data-key="ports.mapHttp"]').uncheck();
    await expect(section().getByRole("button", { name: "Check my router" }).count()).resolves.toBe(1);
    expect(await section().locator('[data-extra="router-check"]').textContent()).toMatch(/port becomes part of the address/);
  });

  it("turns on \"I already run a web server\", picks nginx and a named virtual host, and shows the config to paste", async () => {
    expect(await section().locator('[data-key="webserver.server"]').count()).toBe(0);
    await section().getByRole("checkbox", { name: "I already run a web server on this PC" }).check();
    await section().locator('[data-key="webserver.server"]').selectOption("nginx");
    const mode = section().locator('[data-key="webserver.mode"]');
    await mode.selectOption("subpath");
    expect(await section().locator('[data-field="webserver.mode"] .field-note').textContent()).toMatch(/diaspora\* cannot work this way/);
    await section().locator('[data-key="webserver.prefix"]').waitFor();
    await mode.selectOption("vhost");
    expect(await mode.locator("option:checked").textContent()).toBe("Named virtual host (recommended for diaspora*)");
    expect(await section().locator('[data-key="webserver.prefix"]').count()).toBe(0);
    await section().locator('[data-key="webserver.passthrough"]').waitFor();

    const text = section().locator('[data-snippet="nginx"] [data-snippet-text]');
    await text.waitFor();
    const snippet = (await text.textContent()) ?? "";
    expect(snippet).toContain("proxy_pass");
    expect(snippet).toContain("pod.example.org");
    expect(await section().locator("[data-path-hint]").textContent()).toMatch(/nginx/);
    await expect(section().getByRole("button", { name: "Copy" }).count()).resolves.toBe(1);
    const save = section().getByRole("link", { name: "Save" });
    expect(await save.getAttribute("download")).toBe("podhost-nginx-vhost.conf");
    expect(decodeURIComponent((await save.getAttribute("href")) ?? "")).toBe(`data:text/plain;charset=utf-8,${snippet}`);
    await expect(section().getByRole("button", { name: "Check", exact: true }).count()).resolves.toBe(1);
    expect(await seriousA11yViolations(page)).toEqual([]);
    await screenshot(page, "network-webserver-snippet");
  });

  it("Copy puts the config on the clipboard", async () => {
    await section().getByRole("button", { name: "Copy" }).click();
    await section().locator(".copy-result", { hasText: "Copied to the clipboard." }).waitFor();
    // Evaluated in the page (the tests are compiled without the DOM's types).
    const clipboard = await page.evaluate<string>("navigator.clipboard.readText()");
    expect(clipboard).toBe(await section().locator("[data-snippet-text]").textContent());
  });

  it("Copy selects the config instead when the browser refuses the clipboard", async () => {
    await page.evaluate('navigator.clipboard.writeText = () => Promise.reject(new Error("denied")); getSelection().removeAllRanges()');
    await section().getByRole("button", { name: "Copy" }).click();
    await section().locator(".copy-result", { hasText: "press Ctrl+C" }).waitFor();
    const selected = await page.evaluate<string>("getSelection().toString()");
    // A selection of a <pre> leaves out its final line break.
    expect(selected.trimEnd()).toBe(((await section().locator("[data-snippet-text]").textContent()) ?? "").trimEnd());
    expect(selected).toContain("proxy_pass");
  });

  it("saves the choices, and `podhost config get` sees them", async () => {
    await page.getByRole("button", { name: "Save Network" }).click();
    await section().locator('[data-save-result="saved"]').waitFor();
    expect((await podhost(dir.path, ["config", "get", "webserver.server"])).stdout.trim()).toBe("nginx");
    expect((await podhost(dir.path, ["config", "get", "webserver.enabled"])).stdout.trim()).toBe("true");
    expect((await podhost(dir.path, ["config", "get", "ports.upnp"])).stdout.trim()).toBe("false");
  });
});
