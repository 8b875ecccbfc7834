import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServer, type Server } from "node:net";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Browser, Page } from "playwright-core";
import { launchChromium, screenshot, seriousA11yViolations } from "../helpers/browser";
import { podhost, servePodhost, type ServedPodhost } from "../helpers/podhost";
import { tempDir, waitFor } from "../helpers/temp";

/**
 * Settings > Pod and the Pod card with the stand-in pod on loopback: the profile's own fields,
 * a port held by another program (this test), the fix offered for it, a crash loop, and the
 * "Reset pod identity" flow (the identity is recorded up front, as after a diaspora* pod's first start).
 */
const standIn = fileURLToPath(new URL("../fixtures/stand-in-pod/server.mjs", import.meta.url));
const domain = "pod.example.test";
const lockedUrl = `https://${domain}/`;

function listenOnFreePort(): Promise<{ server: Server; port: number }> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, "127.0.0.1", () => resolve({ server, port: (server.address() as { port: number }).port }));
    server.on("error", reject);
  });
}

async function freePort(): Promise<number> {
  const { server, port } = await listenOnFreePort();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** The stand-in listens on $PORT, which podhost sets from pod.port, so changing pod.port moves it. */
const standInArgs = (...extra: string[]) => ["-c", `exec "${process.execPath}" "${standIn}" --port "$PORT" ${extra.join(" ")}`];

async function configGet(dir: string, key: string): Promise<string> {
  return (await podhost(dir, ["config", "get", key])).stdout.trim();
}

let dir: { path: string; cleanup: () => Promise<void> };
let served: ServedPodhost;
let chromium: { browser: Browser; close: () => Promise<void> };
let page: Page;
let squatter: { server: Server; port: number };

beforeAll(async () => {
  dir = await tempDir();
  squatter = await listenOnFreePort();
  const settings: Record<string, unknown> = {
    domain,
    "pod.profile": "custom",
    "pod.command": "/bin/sh",
    "pod.args": standInArgs(),
    "pod.port": squatter.port,
    "proxy.httpsPort": await freePort(),
    "proxy.httpPort": await freePort(),
  };
  for (const [key, value] of Object.entries(settings)) {
    const result = await podhost(dir.path, ["config", "set", key, typeof value === "string" ? value : JSON.stringify(value)]);
    expect(result.code, result.stderr).toBe(0);
  }
  await mkdir(join(dir.path, "pod"), { recursive: true });
  await writeFile(join(dir.path, "pod", "identity.json"), JSON.stringify({ url: lockedUrl, firstStartedAt: Date.now() }));
  served = await servePodhost(dir.path);
  chromium = await launchChromium();
  page = await (await chromium.browser.newContext()).newPage();
  await page.goto(served.uiUrl);
  await page.locator('[data-service="pod"][data-state="stopped"]').waitFor();
});
afterAll(async () => {
  await chromium?.close();
  await served?.stop();
  await new Promise((resolve) => squatter?.server.close(resolve));
  await dir?.cleanup();
});

const podSection = () => page.locator('[data-section="pod"]');
const podCard = () => page.locator('[data-service="pod"]');
const shownKeys = async () => (await podSection().locator("[data-key]").evaluateAll((nodes) => nodes.map((n) => n.getAttribute("data-key")))).sort();

describe("Settings > Pod and the Pod card, with the stand-in pod", () => {
  it("shows only the chosen profile's fields, in plain words", async () => {
    await page.goto(`${served.origin}/#/settings/pod`);
    const profile = podSection().getByLabel("Pod software");
    await profile.waitFor();
    expect(await profile.locator("option:checked").textContent()).toMatch(/^Custom command/);
    expect(await shownKeys()).toEqual(["pod.args", "pod.command", "pod.cwd", "pod.env", "pod.healthUrl", "pod.managedPostgres", "pod.managedRedis", "pod.port", "pod.profile", "pod.socketPath", "pod.stopTimeoutMs"]);
    await expect(podSection().getByLabel("Command", { exact: true }).count()).resolves.toBe(1);
    await expect(podSection().locator('[data-key="pod.stopTimeoutMs"]').isVisible()).resolves.toBe(false);
    await podSection().getByText("Advanced", { exact: true }).click();
    await expect(podSection().locator('[data-key="pod.stopTimeoutMs"]').isVisible()).resolves.toBe(true);

    await profile.selectOption({ label: "diaspora*" });
    expect(await shownKeys()).toEqual(["pod.dir", "pod.install.checkReleases", "pod.install.repository", "pod.managedPostgres", "pod.managedRedis", "pod.port", "pod.profile", "pod.stopTimeoutMs"]);
    await expect(podSection().getByLabel("diaspora* folder (your checkout)").count()).resolves.toBe(1);
    expect(await seriousA11yViolations(page)).toEqual([]);
    await profile.selectOption("custom");
    expect(await shownKeys()).toContain("pod.command");
  });

  it("names the program holding the pod's port, and 'Use port N' saves a free one so Start runs the pod", async () => {
    await page.goto(`${served.origin}/#/status`);
    await page.getByRole("button", { name: "Start pod", exact: true }).first().click();
    const conflict = podCard().locator(`[data-port-conflict="${squatter.port}"]`);
    await conflict.waitFor({ timeout: 20_000 });
    expect(await conflict.textContent()).toContain(`Port ${squatter.port} is taken by`);
    expect(await conflict.locator("[data-port-holder]").textContent()).toMatch(new RegExp(`node.*\\(process ${process.pid}\\)`));
    const link = podCard().locator('[data-setting-link="pod.port"]');
    expect(await link.getAttribute("href")).toBe("#/settings/pod.port");
    expect(await seriousA11yViolations(page)).toEqual([]);
    await screenshot(page, "pod-port-conflict");

    const useButton = conflict.getByRole("button", { name: /^Use port \d+$/ });
    const suggested = Number((await useButton.textContent())!.replace("Use port ", ""));
    expect(suggested).not.toBe(squatter.port);
    await useButton.click();
    await conflict.locator('[data-result="pod.port"]').getByText(`The pod now uses port ${suggested}.`).waitFor();
    expect(await configGet(dir.path, "pod.port")).toBe(String(suggested));

    await page.getByRole("button", { name: "Start pod", exact: true }).first().click();
    await page.locator('[data-service="pod"][data-state="running"]').waitFor({ timeout: 30_000 });
    expect(await podCard().locator("[data-port-conflict]").count()).toBe(0);
    const listeners = page.locator('[data-service="proxy"] [data-proxy-listeners]');
    await listeners.locator('[data-listener="https"][data-state="listening"]').waitFor();
    expect(await page.locator('[data-service="proxy"] [data-route="pod"]').textContent()).toContain(`127.0.0.1:${suggested}`);
    // CPU needs two samples of the process's counters, so it may appear a refresh after memory.
    const row = podCard().locator('[data-process="pod"]');
    await waitFor("the process table to show CPU and memory", async () => /^\d+\.\d MiB$/.test((await row.locator("[data-memory]").textContent()) ?? "") && /^\d+\.\d %$/.test((await row.locator("[data-cpu]").textContent()) ?? ""), 20_000, 200);
  });

  it("a problem's link opens Settings at the setting it names", async () => {
    await page.goto(`${served.origin}/#/settings/pod.port`);
    await podSection().locator('[data-key="pod.port"]:focus').waitFor();
  });

  it("Reset pod identity explains itself, wants the domain typed, and shows the daemon's refusal while the pod runs", async () => {
    await page.goto(`${served.origin}/#/settings/pod`);
    const panel = podSection().locator('[data-extra="reset-identity"]');
    await panel.waitFor();
    expect(await panel.locator("[data-locked-url]").textContent()).toBe(lockedUrl);
    expect(await panel.textContent()).toMatch(/new, empty database/);
    const confirm = panel.getByLabel(`To confirm, type the pod's domain: ${domain}`);
    await confirm.fill("other.example.test");
    expect(await panel.getByRole("button", { name: "Reset pod identity" }).count()).toBe(0);
    await confirm.fill(domain);
    await panel.getByRole("button", { name: "Reset pod identity" }).click();
    await panel.getByRole("alert").getByText("cannot be reset while the pod runs").waitFor();
    expect(await seriousA11yViolations(page)).toEqual([]);
  });

  it("resets the identity once the pod is stopped, unlocking the domain", async () => {
    await page.goto(`${served.origin}/#/status`);
    await page.getByRole("button", { name: "Stop pod", exact: true }).first().click();
    await page.locator('[data-service="pod"][data-state="stopped"]').waitFor({ timeout: 30_000 });
    await page.goto(`${served.origin}/#/settings/pod`);
    const panel = podSection().locator('[data-extra="reset-identity"]');
    await panel.getByLabel(`To confirm, type the pod's domain: ${domain}`).fill(domain);
    await panel.getByRole("button", { name: "Reset pod identity" }).click();
    await panel.locator('[data-result="pod.resetIdentity"]').getByText(`The identity of ${lockedUrl} is forgotten.`).waitFor();
    // The unlock reaches the form with the next status push, after the action's own answer.
    await page.locator('[data-key="domain"]:not([readonly])').waitFor();
    const view = JSON.parse((await podhost(dir.path, ["status", "--json"])).stdout) as { pod: { lockedUrl?: string } };
    expect(view.pod.lockedUrl).toBeUndefined();
  });

  it("a pod that exits at once ends up 'crashed', with the last lines of its log", async () => {
    expect((await podhost(dir.path, ["config", "set", "pod.args", JSON.stringify(standInArgs("--exit-code", "3"))])).code).toBe(0);
    await page.goto(`${served.origin}/#/status`);
    await page.getByRole("button", { name: "Start pod", exact: true }).first().click();
    await page.locator('[data-service="pod"][data-state="crashed"]').waitFor({ timeout: 20_000 });
    const lastLines = podCard().getByRole("region", { name: "Last lines of the log" });
    expect(await lastLines.textContent()).toContain("exiting at once with code 3");
    expect(await seriousA11yViolations(page)).toEqual([]);
    await screenshot(page, "pod-crashed");
  });
});
