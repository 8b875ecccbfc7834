import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seriousA11yViolations } from "../helpers/browser";
import { domain, startJourneyWorld, wizard, type JourneyWorld } from "./journey-world";

let world: JourneyWorld;
let w: ReturnType<typeof wizard>;

beforeAll(async () => {
  world = await startJourneyWorld();
  w = wizard(world.page);
  await world.page.goto(`${world.served.origin}/#/setup`);
  await w.at("usage");
}, 120_000);
afterAll(async () => {
  await world?.close();
}, 120_000);

describe("the setup journey on a PC that already runs a web server", () => {
  it("step 1 turns on 'I already run a web server' and leaves the router alone", async () => {
    await w.choose("Already runs a web server");
    await w.next();
    await w.at("pod");
    expect(await world.config("webserver.enabled")).toBe("true");
    expect(await world.config("webserver.mode")).toBe("vhost");
    expect(await world.config("ports.upnp")).toBe("false");
  });

  it("step 4 suggests the web server's way in and shows its config for the pod's name", async () => {
    await w.fillCustomPod(world.ports);
    await w.next();
    await w.at("name");
    await w.choose("My own domain");
    await w.field("domain").fill(domain);
    await w.next();
    await w.at("reach");
    expect(await world.page.getByLabel("My web server on this PC forwards the pod", { exact: true }).isChecked()).toBe(true);
    await w.field("proxy.httpsPort").fill(String(world.ports.https));
    await world.page.getByRole("button", { name: "Show my web server's config" }).click();
    const snippet = world.page.locator('[data-result="wizard-snippet"] .snippet-text');
    await snippet.waitFor();
    const text = await snippet.textContent();
    expect(text).toContain(domain);
    expect(text).toContain(String(world.ports.https));
    expect(await seriousA11yViolations(world.page)).toEqual([]);
  });

  it("step 5 offers only the challenges a web server in front allows (no TLS-ALPN-01 unless it passes TLS through)", async () => {
    await w.next();
    await w.at("certificate");
    const options = await w.field("certs.acme.challenge").locator("option").evaluateAll((all) => all.map((o) => (o as { value: string }).value));
    expect(options).toEqual(["auto", "http-01"]);
  });
});
