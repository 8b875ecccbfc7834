import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServer, type Server } from "node:net";
import { freePort } from "../helpers/ports";
import { tempDir } from "../helpers/temp";
import { domain, startJourneyWorld, wizard, type JourneyWorld } from "./journey-world";

let world: JourneyWorld;
let w: ReturnType<typeof wizard>;

beforeAll(async () => {
  // Pebble's HTTP-01 checks go to a port where nothing listens: the challenge cannot reach podhost.
  world = await startJourneyWorld({ pebbleHttpPort: await freePort() });
  w = wizard(world.page);
  await world.page.getByRole("link", { name: "Set up podhost" }).click();
  await w.toNameWithStandInPod(world.ports);
}, 120_000);
afterAll(async () => {
  await world?.close();
}, 120_000);

/** Nothing running, nothing enabled that acts by itself: what `podhost status --json` and `config get` show. */
async function expectNothingLeft(): Promise<void> {
  const status = await world.status();
  expect(status.pod.state).not.toBe("running");
  expect(status.pod.processes.filter((p) => (p as { state: string }).state !== "stopped")).toEqual([]);
  expect(status.proxy.state).toBe("stopped");
  expect(await world.config("dns.provider")).toBe("none");
  expect(await world.config("ports.upnp")).toBe("false");
}

async function nextTo(step: string): Promise<void> {
  await w.next();
  await w.at(step);
}

async function startFromReview(): Promise<void> {
  await world.page.getByLabel("I understand that this address and these user IDs can never change.").check();
  await w.next();
}

/** The same journey where each hop fails in turn: the wizard stops at that hop's step, says why and what to do, and leaves nothing on. */
describe("the setup journey when a hop fails", () => {
  it("DNS: DuckDNS refuses the token, so the wizard stays at the name with the provider's answer and dynamic DNS goes back off", async () => {
    world.duck.setReply({ body: "KO" });
    await w.fillDuckDns(world);
    await w.next();
    await expect(w.error("name").textContent()).resolves.toContain('answered "KO"');
    await expect(w.error("name").textContent()).resolves.toContain("Dynamic DNS stays off until the test passes.");
    await world.shot("journey-fail-dns");
    world.duck.setReply();
    await expectNothingLeft();
    expect((await world.status()).dns.state).toBe("off");
  });

  it("port busy: something holds podhost's HTTPS port, so Start pod comes back to reachability naming the port, with everything stopped", async () => {
    await w.choose("My own domain");
    await w.field("domain").fill(domain);
    await w.next();
    await w.at("reach");
    await w.fillPorts(world.ports);
    await w.next();
    await w.at("certificate");
    await w.choose("podhost's own CA (this network only)");
    await nextTo("review");
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(world.ports.https, "127.0.0.1", resolve));
    try {
      await startFromReview();
      await w.at("reach");
      await expect(w.error("reach").textContent()).resolves.toContain(String(world.ports.https));
      await world.shot("journey-fail-port");
      await expectNothingLeft();
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  it("pod prerequisites: a diaspora* folder that is empty is named at the pod step itself, before going on", async () => {
    const empty = await tempDir("podhost-empty-diaspora-");
    try {
      await world.page.getByRole("button", { name: "Back" }).click();
      await w.at("name");
      await world.page.getByRole("button", { name: "Back" }).click();
      await w.at("pod");
      await w.choose("A diaspora* checkout");
      await w.field("pod.dir").fill(empty.path);
      await world.page.getByRole("button", { name: "Next" }).click();
      // The error shows in the pod step's own form: the wizard did not go on.
      await w.error("pod").waitFor();
      const error = await w.error("pod").textContent();
      expect(error).toMatch(/diaspora/i);
      await world.shot("journey-fail-pod");
      await expectNothingLeft();
    } finally {
      await empty.cleanup();
    }
  });

  it("ACME: the certificate authority cannot reach the HTTP-01 challenge, so the wizard comes back to the certificate, with everything stopped", async () => {
    await w.fillCustomPod(world.ports);
    for (const step of ["name", "reach", "certificate"]) await nextTo(step);
    await w.fillAcme(world.pebble.directoryUrl);
    await nextTo("review");
    await startFromReview();
    await w.at("certificate");
    const error = await w.error("certificate").textContent();
    expect(error).toContain("Port 80 is not reachable");
    expect(error).toMatch(/router forwards port 80/);
    await world.shot("journey-fail-acme");
    await expectNothingLeft();
  });
});
