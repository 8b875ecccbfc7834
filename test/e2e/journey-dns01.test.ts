import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../helpers/ports";
import { domain, httpsGet, startJourneyWorld, wizard, type JourneyWorld } from "./journey-world";

let world: JourneyWorld;
let w: ReturnType<typeof wizard>;

beforeAll(async () => {
  // HTTP-01 cannot work here (pebble asks a closed port): a certificate proves DNS-01 did.
  world = await startJourneyWorld({ pebbleHttpPort: await freePort() });
  w = wizard(world.page);
  // DuckDNS's name servers publish the TXT record the app sets through its API, before the API
  // answers: here into pebble's DNS, so pebble never looks before the record is there.
  let published: string | undefined;
  world.duck.publish = async (state) => {
    const value = state.txt[0];
    if (value === published) return;
    const name = `_acme-challenge.${domain}`;
    await (value ? world.pebble.txtRecords.setTxt(name, value) : world.pebble.txtRecords.removeTxt(name, published ?? ""));
    published = value;
  };
}, 120_000);
afterAll(async () => {
  await world?.close();
}, 120_000);

describe("the setup journey with DNS validation: the certificate comes over DNS-01 through the DuckDNS provider", () => {
  it("offers DNS-01 once DuckDNS keeps the name, and Start pod ends with pebble's certificate on the proxy", async () => {
    await world.page.goto(`${world.served.origin}/#/setup`);
    await w.toNameWithStandInPod(world.ports);
    await w.fillDuckDns(world);
    await w.next();
    await w.at("reach");
    await w.fillPorts(world.ports);
    await w.next();
    await w.at("certificate");
    await w.fillAcme(world.pebble.directoryUrl, "dns-01");
    await w.next();
    await w.at("review");
    await world.page.getByLabel("I understand that this address and these user IDs can never change.").check();
    await w.next();
    // On loopback the name points at this PC, not at a public address: the doctor says so.
    await world.page.getByRole("heading", { name: "Your pod is running, reachable on this network only" }).waitFor({ timeout: 90_000 });
    expect(world.duck.requests.some((r) => r.query.txt !== undefined)).toBe(true);
    const answer = await httpsGet(world.ports.https, "/.well-known/nodeinfo", await world.pebble.rootPem());
    expect(answer.status).toBe(200);
    expect(answer.issuer).toMatch(/Pebble/i);
  }, 120_000);
});
