import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { X509Certificate } from "node:crypto";
import type { Browser, Page } from "playwright-core";
import { letsEncryptDirectory, letsEncryptStagingDirectory, type CertsStatus } from "../../shared/certs";
import { launchChromium, screenshot, seriousA11yViolations } from "../helpers/browser";
import { podhost, servePodhost, type ServedPodhost } from "../helpers/podhost";
import { tempDir, waitFor } from "../helpers/temp";

/**
 * Settings > Certificates and the Certificate card in local-CA mode. Network safety: ACME is only
 * chosen in the form to see its fields and is switched back to local before anything is saved,
 * so no CA is ever contacted.
 */
const domain = "pod.example.test";
/** Nothing listens on port 1: a CA that cannot be reached, should anything ever ask it. */
const refusedDirectory = "https://127.0.0.1:1/directory";

let dir: { path: string; cleanup: () => Promise<void> };
let served: ServedPodhost;
let chromium: { browser: Browser; close: () => Promise<void> };
let page: Page;

beforeAll(async () => {
  dir = await tempDir();
  expect((await podhost(dir.path, ["config", "set", "domain", domain])).code).toBe(0);
  served = await servePodhost(dir.path);
  chromium = await launchChromium();
  page = await (await chromium.browser.newContext()).newPage();
  await page.goto(served.uiUrl);
  await page.locator('[data-service="certs"]').waitFor();
});
afterAll(async () => {
  await chromium?.close();
  await served?.stop();
  await dir?.cleanup();
});

const section = () => page.locator('[data-section="certificates"]');

async function certsStatus(): Promise<CertsStatus> {
  return (JSON.parse((await podhost(dir.path, ["status", "--json"])).stdout) as { certs: CertsStatus }).certs;
}

/** The bytes behind a data: URL, whether percent-encoded or base64. */
function decodeDataUrl(url: string): Buffer {
  const match = /^data:([^,]*),(.*)$/s.exec(url);
  if (!match) throw new Error(`not a data: URL: ${url.slice(0, 40)}`);
  return match[1]!.endsWith(";base64") ? Buffer.from(match[2]!, "base64") : Buffer.from(decodeURIComponent(match[2]!), "utf8");
}

describe("Settings > Certificates and the Certificate card, with podhost's local CA", () => {
  it("offers the local CA as PEM and DER downloads that are the CA `podhost certs ca` prints", async () => {
    await page.goto(`${served.origin}/#/settings/certificates`);
    const pem = section().locator('[data-ca-download="pem"]');
    const der = section().locator('[data-ca-download="der"]');
    await pem.waitFor();
    expect(await pem.getAttribute("download")).toBe("podhost-ca.pem");
    expect(await der.getAttribute("download")).toBe("podhost-ca.crt");

    const cliPem = (await podhost(dir.path, ["certs", "ca"])).stdout;
    expect(cliPem).toContain("BEGIN CERTIFICATE");
    const pemText = decodeDataUrl((await pem.getAttribute("href"))!).toString("utf8");
    expect(pemText.trim()).toBe(cliPem.trim());
    const fromDer = new X509Certificate(decodeDataUrl((await der.getAttribute("href"))!));
    expect(fromDer.fingerprint256).toBe(new X509Certificate(cliPem).fingerprint256);
    expect(fromDer.ca).toBe(true);

    const steps = section().locator("[data-trust-steps]");
    await expect(steps.getByText("Windows").isVisible()).resolves.toBe(false);
    await steps.getByText("How to trust it on each system").click();
    await expect(steps.getByText("Windows", { exact: false }).first().isVisible()).resolves.toBe(true);
    expect(await seriousA11yViolations(page)).toEqual([]);
    await screenshot(page, "certs-settings-local");
  });

  it("choosing ACME shows its fields and the terms note; the staging button fills the staging directory", async () => {
    const mode = section().getByLabel("Kind of certificate");
    expect(await section().locator('[data-key^="certs.acme."]').count()).toBe(0);
    await mode.selectOption("acme");
    for (const key of ["certs.acme.directoryUrl", "certs.acme.email", "certs.acme.challenge"]) {
      await expect(section().locator(`[data-key="${key}"]`).count(), key).resolves.toBe(1);
    }
    expect(await section().locator('[data-field="certs.mode"] .field-note').textContent()).toMatch(/terms of service.*publicly trusted certificate is what other diaspora\* pods require/s);
    const directory = section().getByLabel("ACME directory URL");
    await section().getByRole("button", { name: "Let's Encrypt staging (for testing)" }).click();
    await expect(directory.inputValue()).resolves.toBe(letsEncryptStagingDirectory);
    await section().getByRole("button", { name: "Let's Encrypt", exact: true }).click();
    await expect(directory.inputValue()).resolves.toBe(letsEncryptDirectory);
    expect(await section().locator("[data-ca-download]").count()).toBe(0);
    expect(await seriousA11yViolations(page)).toEqual([]);
    await screenshot(page, "certs-settings-acme");

    await mode.selectOption("local");
    expect(await section().locator('[data-key^="certs.acme."]').count()).toBe(0);
    expect((await podhost(dir.path, ["config", "get", "certs.mode"])).stdout.trim()).toBe("local");
  });

  it("Renew now issues a new local certificate each time and says so in a live region", async () => {
    const renew = section().getByRole("button", { name: "Renew now" });
    const result = section().locator('[data-result="certs.renew"]');
    expect(await result.getAttribute("aria-live")).toBe("polite");
    await renew.click();
    await result.getByText(`Serving a certificate from podhost's local CA for ${domain}`, { exact: false }).waitFor();
    const first = new X509Certificate((await podhost(dir.path, ["certs", "show"])).stdout).fingerprint256;
    await renew.click();
    await waitFor("a different certificate to be served", async () => new X509Certificate((await podhost(dir.path, ["certs", "show"])).stdout).fingerprint256 !== first, 10_000, 100);
  });

  it("the Certificate card shows issuer, names and expiry", async () => {
    const after = await waitFor("the served certificate in the status", async () => (await certsStatus()).certificate);
    expect(after.names).toContain(domain);
    await page.goto(`${served.origin}/#/status`);
    const facts = page.locator('[data-service="certs"] [data-facts="certs"]');
    await facts.waitFor();
    expect(await facts.textContent()).toContain("podhost's own CA");
    expect(await facts.textContent()).toContain(domain);
    const expires = facts.locator("dt", { hasText: "Expires" }).locator("xpath=following-sibling::dd/time");
    expect(new Date((await expires.getAttribute("datetime"))!).getTime()).toBe(after.notAfter);
    expect(await seriousA11yViolations(page)).toEqual([]);
    await screenshot(page, "certs-status");
  });

  it("Renew now with ACME saved while the pod is stopped shows the daemon's refusal (the CA address is a refused loopback port)", async () => {
    await page.goto(`${served.origin}/#/settings/certificates`);
    await section().getByLabel("Kind of certificate").selectOption("acme");
    await section().getByLabel("ACME directory URL").fill(refusedDirectory);
    await page.getByRole("button", { name: "Save Certificates" }).click();
    await section().locator('[data-save-result="saved"]').waitFor();
    expect((await podhost(dir.path, ["config", "get", "certs.acme.directoryUrl"])).stdout.trim()).toBe(refusedDirectory);

    await section().getByRole("button", { name: "Renew now" }).click();
    const refusal = section().locator('[data-extra="certs-renew"]').getByRole("alert");
    await refusal.waitFor();
    expect(await refusal.textContent()).toContain("only while the pod runs");
    expect(await seriousA11yViolations(page)).toEqual([]);
    await screenshot(page, "certs-renew-refused");

    await section().getByLabel("Kind of certificate").selectOption("local");
    await page.getByRole("button", { name: "Save Certificates" }).click();
    await waitFor("certs.mode to be local again", async () => (await podhost(dir.path, ["config", "get", "certs.mode"])).stdout.trim() === "local");
  });
});
