/**
 * The setup journey's world, all on loopback: a fresh data dir, `podhost serve`, Chromium on the
 * UI, the stand-in pod, the DuckDNS and address-echo fixtures, and pebble for ACME. Shared by
 * the journey tests (happy path, failures, `podhost setup`).
 */
import { copyFileSync, mkdirSync, readFileSync } from "node:fs";
import { request } from "node:https";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Page } from "playwright-core";
import { launchChromium, screenshot } from "../helpers/browser";
import { freePort } from "../helpers/ports";
import { podhost, repoRoot, servePodhost, type ServedPodhost } from "../helpers/podhost";
import { tempDir } from "../helpers/temp";
import { startDdnsFixture, type DdnsFixture } from "../fixtures/ddns";
import { startPebble, type Pebble } from "../fixtures/pebble/harness";

export const standInPod = fileURLToPath(new URL("../fixtures/stand-in-pod/server.mjs", import.meta.url));
export const duckName = "mypod";
export const domain = `${duckName}.duckdns.org`;
export const duckToken = "journey-token-0123456789";
export const publishedAddress = "45.77.100.4";

/** With PODHOST_DOCS_SCREENSHOTS=1 (npm run docs:journey), the journey's screenshots also go to docs/journey/. */
const docsDir = process.env.PODHOST_DOCS_SCREENSHOTS === "1" ? join(repoRoot, "docs", "journey") : undefined;


export interface JourneyWorld {
  dataDir: string;
  served: ServedPodhost;
  page: Page;
  pebble: Pebble;
  duck: DdnsFixture;
  echo: DdnsFixture;
  ports: { pod: number; https: number; http: number };
  /** What Chromium reported as blocked by the UI's Content-Security-Policy (inline styles, scripts). */
  cspViolations: string[];
  /** Screenshot to test/artifacts/<name>.png (and docs/journey/ when asked). */
  shot(name: string): Promise<void>;
  /** `podhost status --json` and `podhost config get <key>`, read as the user would. */
  status(): Promise<{ pod: { state: string; processes: unknown[] }; proxy: { state: string }; dns: { state: string }; certs: { state: string; certificate?: { source: string } } }>;
  config(key: string): Promise<string>;
  /** For a failed wait: what the page shows as errors and the daemon log's last lines, and a screenshot. */
  diagnosis(name: string): Promise<string>;
  close(): Promise<void>;
}

export interface WorldOptions {
  /** Where pebble sends HTTP-01 requests (default: podhost's proxy HTTP port). */
  pebbleHttpPort?: number;
  /** Open Chromium on the UI (the CLI journey does without). */
  browser?: boolean;
}

export async function startJourneyWorld(options: WorldOptions = {}): Promise<JourneyWorld> {
  const dir = await tempDir("podhost-journey-");
  const cleanups: (() => Promise<unknown>)[] = [dir.cleanup];
  const close = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  };
  try {
    const ports = { pod: await freePort(), https: await freePort(), http: await freePort() };
    const pebble = await startPebble({ httpPort: options.pebbleHttpPort ?? ports.http, tlsPort: ports.https });
    cleanups.push(() => pebble.stop());
    const duck = await startDdnsFixture("duckdns", { name: duckName, token: duckToken });
    cleanups.push(() => duck.close());
    const echo = await startDdnsFixture("echo", { address: publishedAddress });
    cleanups.push(() => echo.close());

    const env = { NODE_EXTRA_CA_CERTS: pebble.listenerCaFile, PODHOST_TEST_NAMES: JSON.stringify([domain]) };
    const dataDir = join(dir.path, "data");
    mkdirSync(dataDir);
    const served = await servePodhost(dataDir, env);
    cleanups.push(async () => {
      await podhost(dataDir, ["stop"]);
      await served.stop();
    });

    let page: Page | undefined;
    const cspViolations: string[] = [];
    if (options.browser !== false) {
      const chromium = await launchChromium();
      cleanups.push(() => chromium.close());
      page = await (await chromium.browser.newContext({ viewport: { width: 1100, height: 900 } })).newPage();
      page.on("console", (message) => {
        if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text());
      });
      await page.goto(served.uiUrl);
      await page.locator('[data-service="pod"]').waitFor();
    }

    return {
      dataDir,
      served,
      page: page!,
      pebble,
      duck,
      echo,
      ports,
      cspViolations,
      shot: async (name) => {
        const path = await screenshot(page!, name);
        if (docsDir) {
          mkdirSync(docsDir, { recursive: true });
          copyFileSync(path, join(docsDir, `${name}.png`));
        }
      },
      status: async () => JSON.parse((await podhost(dataDir, ["status", "--json"])).stdout),
      config: async (key) => (await podhost(dataDir, ["config", "get", key])).stdout.trim(),
      diagnosis: async (name) => {
        const shown = await page!.locator('[role="alert"], .error').allTextContents().catch(() => []);
        const log = readFileSync(join(dataDir, "logs", "daemon.log"), "utf8").trimEnd().split("\n").slice(-40).join("\n");
        await screenshot(page!, name).catch(() => undefined);
        return `The page shows: ${JSON.stringify(shown)}\nThe daemon log ends:\n${log}`;
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/** GET over TLS to podhost's proxy on 127.0.0.1, as a visitor whose DNS says the name is here, trusting only `ca`. */
export function httpsGet(port: number, path: string, ca: string): Promise<{ status: number; body: string; issuer: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, servername: domain, headers: { Host: domain }, ca, rejectUnauthorized: true }, (res) => {
      const issuer = (res.socket as import("node:tls").TLSSocket).getPeerCertificate().issuer?.CN ?? "";
      let body = "";
      res.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body, issuer: String(issuer) }));
    });
    req.on("error", reject);
    req.end();
  });
}

/** The wizard's steps, driven as a user would: by labels and buttons. */
export function wizard(page: Page) {
  const step = (id: string) => page.locator(`form[data-step="${id}"]`);
  const field = (name: string) => page.locator(`[data-wizard-field="${name}"]`);
  const next = async () => page.locator("form[data-step] [data-next]").click();
  const wizardApi = {
    step,
    field,
    next,
    /** Wait for a step to show, with its heading focused. */
    at: async (id: string) => {
      await step(id).waitFor();
      await page.locator(`#wizard-step-${id}:focus`).waitFor();
    },
    error: (id: string) => step(id).locator(".error-note"),
    choose: (label: string) => page.getByLabel(label, { exact: true }).check(),
    fillCustomPod: async (ports: { pod: number }) => {
      await page.getByLabel("A custom command", { exact: true }).check();
      await field("pod.command").fill(process.execPath);
      await page.getByLabel("Arguments, one per line").fill([standInPod, "--port", String(ports.pod)].join("\n"));
      await field("pod.port").fill(String(ports.pod));
      await field("pod.healthUrl").fill(`http://127.0.0.1:${ports.pod}/nodeinfo/2.1`);
    },
    /** From step 1 to the name step: a PC dedicated to the pod, running the stand-in pod. */
    toNameWithStandInPod: async (ports: { pod: number }) => {
      await wizardApi.at("usage");
      await wizardApi.choose("Dedicated to the pod");
      await wizardApi.next();
      await wizardApi.at("pod");
      await wizardApi.fillCustomPod(ports);
      await wizardApi.next();
      await wizardApi.at("name");
    },
    fillDuckDns: async (world: Pick<JourneyWorld, "duck" | "echo">) => {
      await page.getByLabel("A dynamic DNS name", { exact: true }).check();
      await field("dns.provider").selectOption("duckdns");
      // The loopback servers go in before the test sends anything (network safety).
      await page.getByText("Advanced: update server and address source").click();
      await field("dns.server").fill(world.duck.baseUrl);
      await field("dns.ipEchoUrl").fill(world.echo.baseUrl);
      await field("dns.name").fill(duckName);
      await field("dns.token").fill(duckToken);
    },
    fillPorts: async (ports: { https: number; http: number }) => {
      await page.getByLabel("I forward the ports on the router myself", { exact: true }).check();
      await field("proxy.httpsPort").fill(String(ports.https));
      await field("proxy.httpPort").fill(String(ports.http));
    },
    fillAcme: async (directoryUrl: string, challenge: "http-01" | "dns-01" = "http-01") => {
      await page.getByLabel("A public certificate (Let's Encrypt)", { exact: true }).check();
      await field("certs.acme.directoryUrl").fill(directoryUrl);
      await field("certs.acme.challenge").selectOption(challenge);
    },
  };
  return wizardApi;
}
