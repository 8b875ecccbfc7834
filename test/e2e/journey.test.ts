import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seriousA11yViolations } from "../helpers/browser";
import { waitFor } from "../helpers/temp";
import { domain, duckName, duckToken, httpsGet, publishedAddress, startJourneyWorld, wizard, type JourneyWorld } from "./journey-world";

let world: JourneyWorld;
let w: ReturnType<typeof wizard>;

beforeAll(async () => {
  world = await startJourneyWorld();
  w = wizard(world.page);
}, 120_000);
afterAll(async () => {
  await world?.close();
}, 120_000);

/**
 * From "installed" to "my pod is on the internet", in Chromium, on a fresh data dir, with only
 * real parts on loopback: the stand-in pod, DuckDNS's stand-in, and pebble issuing over HTTP-01
 * through podhost's own proxy.
 */
describe("the setup journey in the UI, from a fresh install to the pod answering at its name with a public certificate", () => {
  it("invites a first-run user to the setup, and opens it at step 1 with its heading focused", async () => {
    const { page } = world;
    await page.locator("[data-first-run]").waitFor();
    await world.shot("journey-0-first-run");
    await page.getByRole("link", { name: "Set up podhost" }).click();
    await w.at("usage");
    expect(await page.locator('[data-wizard-step="usage"]').getAttribute("aria-current")).toBe("step");
    expect(await seriousA11yViolations(page)).toEqual([]);
  });

  it("step 1 says what a missing answer needs, then takes 'dedicated' and sets the defaults below", async () => {
    await w.next();
    await expect(w.error("usage").textContent()).resolves.toContain("Choose how this PC is used.");
    await w.choose("Dedicated to the pod");
    await world.shot("journey-1-usage");
    await w.next();
    await w.at("pod");
    expect(await world.config("webserver.enabled")).toBe("false");
  });

  it("step 2 saves the pod: a custom command (the stand-in pod) with its health URL", async () => {
    await w.fillCustomPod(world.ports);
    expect(await seriousA11yViolations(world.page)).toEqual([]);
    await world.shot("journey-2-pod");
    await w.next();
    await w.at("name");
    expect(await world.config("pod.profile")).toBe("custom");
    expect(await world.config("pod.port")).toBe(String(world.ports.pod));
  });

  it("step 3 tests DuckDNS with Update now before it stays on, and the provider got this connection's address", async () => {
    await w.fillDuckDns(world);
    expect(await seriousA11yViolations(world.page)).toEqual([]);
    await world.shot("journey-3-name");
    await w.next();
    await w.at("reach");
    const update = world.duck.requests.find((r) => r.path === "/update" && r.query.ip === publishedAddress);
    expect(update?.query).toMatchObject({ domains: duckName, token: duckToken });
    expect(await world.config("domain")).toBe(domain);
    expect(await world.config("dns.provider")).toBe("duckdns");
  });

  it("can be left and resumed: a reload comes back to the same step", async () => {
    await world.page.reload();
    await w.at("reach");
    expect(await world.page.locator('[data-wizard-step="name"]').getAttribute("class")).toBe("reached");
  });

  it("step 4 takes manual forwarding with podhost's ports, and the doctor draws the path", async () => {
    await w.fillPorts(world.ports);
    await world.page.getByRole("button", { name: "Run the doctor" }).click();
    await world.page.locator('[data-result="wizard-doctor"] [data-hop="pod"]').waitFor();
    await expect(world.page.locator('[data-instructions="manual"]').textContent()).resolves.toContain(`TCP 443 → this PC, port ${world.ports.https}`);
    expect(await seriousA11yViolations(world.page)).toEqual([]);
    await world.shot("journey-4-reach");
    await w.next();
    await w.at("certificate");
    expect(await world.config("proxy.httpPort")).toBe(String(world.ports.http));
    expect(await world.config("ports.upnp")).toBe("false");
  });

  it("step 5 chooses ACME with HTTP-01 against the test CA", async () => {
    await w.fillAcme(world.pebble.directoryUrl);
    expect(await seriousA11yViolations(world.page)).toEqual([]);
    await world.shot("journey-5-certificate");
    await w.next();
    await w.at("review");
    expect(await world.config("certs.mode")).toBe("acme");
  });

  it("step 6 shows the permanent address and the user IDs it implies, and will not start without the confirmation", async () => {
    const { page } = world;
    await expect(page.locator("[data-pod-url]").textContent()).resolves.toBe(`https://${domain}/`);
    await expect(page.locator("[data-user-id]").textContent()).resolves.toBe(`alice@${domain}`);
    await w.next();
    await expect(w.error("review").textContent()).resolves.toContain("can never change");
    expect((await world.status()).pod.state).toBe("stopped");
    await page.getByLabel("I understand that this address and these user IDs can never change.").check();
    expect(await seriousA11yViolations(page)).toEqual([]);
    await world.shot("journey-6-review");
  });

  it("Start pod runs the whole chain, shows each hop's progress, and ends with what the doctor finds: here, this network only", async () => {
    const { page } = world;
    await w.next();
    // The chain shows while the hops come up; when all are up by the time Start returns (the
    // certificate came first), the wizard goes straight on to its last step.
    await page
      .locator('[data-chain], [data-step="done"]')
      .first()
      .waitFor()
      .catch(async (error: Error) => {
        throw new Error(`${error.message}\n${await world.diagnosis("journey-7-failed")}`);
      });
    if (await page.locator("[data-chain]").isVisible()) await world.shot("journey-7-starting");
    // On loopback the name resolves to this PC (127.0.0.1), not to the connection's public address.
    await page.getByRole("heading", { name: "Your pod is running, reachable on this network only" }).waitFor({ timeout: 90_000 });
    await world.page.locator("#wizard-done:focus").waitFor();
    await expect(page.locator('[data-step="done"] .lead').textContent()).resolves.toContain(`DNS name: ${domain} resolves to 127.0.0.1, in the loopback range`);
    expect(await page.locator('[data-step="done"]').textContent()).not.toContain("tray");
    expect(await seriousA11yViolations(page)).toEqual([]);
    await world.shot("journey-8-done");
    const status = await world.status();
    expect(status.pod.state).toBe("running");
    expect(status.certs.certificate?.source).toBe("acme");
  });

  it(`serves https://${domain}/.well-known/nodeinfo and a page through the proxy with a certificate that chains to pebble's root only`, async () => {
    const root = await world.pebble.rootPem();
    const nodeinfo = await waitFor("the ACME certificate on the proxy", async () => {
      const answer = await httpsGet(world.ports.https, "/.well-known/nodeinfo", root).catch(() => undefined);
      return answer?.status === 200 ? answer : undefined;
    });
    expect(JSON.parse(nodeinfo.body)).toMatchObject({ links: expect.any(Array) });
    const home = await httpsGet(world.ports.https, "/", root);
    expect(home.status).toBe(200);
    expect(home.body).toContain("<html");
    expect(home.issuer).toMatch(/Pebble/i);
  });

  it("needed no inline style or script: the UI's strict Content-Security-Policy blocked nothing", () => {
    expect(world.cspViolations).toEqual([]);
  });
});
