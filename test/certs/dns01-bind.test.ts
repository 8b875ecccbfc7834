import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createCertsService } from "../../main/certs/index";
import type { CertsStatus } from "../../shared/certs";
import { freePort, startPebble, type Pebble } from "../fixtures/pebble/harness";
import { startBind, type Bind } from "../dns/bind";
import { startHarness } from "../dns/harness";
import { propagation } from "../../main/dns/propagation";
import { tempDir, waitFor } from "../helpers/temp";
import { ManualClock, settingsWith, testContext } from "./helpers";

/**
 * DNS-01 end to end with real parts: podhost's RFC 2136 client sets the TXT record on a real
 * BIND 9, and pebble's validation asks that same BIND for it. When the DNS server is the
 * problem, the certificate's error must say so and name the dns.* setting, not blame the CA.
 */
const cleanups: Array<() => Promise<unknown>> = [];
let bind: Bind;
let pebble: Pebble;

beforeAll(async () => {
  bind = await startBind();
  pebble = await startPebble({ httpPort: await freePort(), tlsPort: await freePort(), dnsServer: bind.server });
  process.env.NODE_EXTRA_CA_CERTS = pebble.listenerCaFile;
});
afterAll(async () => {
  await pebble?.stop();
  await bind?.close();
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** The certs service as Host builds it: DNS-01 through the dynamic DNS service's TXT writer. */
async function dns01Service(domain: string, dns: { server: string; secret: string; nameServers?: string[] }, ca = pebble) {
  const ddns = await startHarness(
    { "dns.provider": "rfc2136", "dns.name": domain, "dns.server": dns.server, "dns.username": bind.keyName },
    { "dns.password": dns.secret },
    dns.nameServers ? { authoritativeServers: async () => dns.nameServers! } : {},
  );
  cleanups.push(() => ddns.cleanup());
  const dir = await tempDir("podhost-dns01-");
  cleanups.push(dir.cleanup);
  const service = createCertsService({ ctx: testContext(dir.path, new ManualClock(Date.now())), txtRecords: () => ddns.service.txtRecords() });
  await service.configure(settingsWith({ domain, certs: { mode: "acme", acme: { directoryUrl: ca.directoryUrl, email: "", challenge: "dns-01" } } }));
  await service.start();
  cleanups.push(() => service.stop());
  return { service, ddns };
}

const settled = (service: { status(): CertsStatus }) =>
  waitFor("the order to end", () => (["valid", "failed"].includes(service.status().state) && service.status().certificate?.source === "acme") || service.status().state === "failed" ? service.status() : undefined, 30_000);

describe("DNS-01 through a real BIND 9, validated by pebble against that BIND", () => {
  it("issues the certificate when the TSIG key is right (the set-up the failures below change one thing of)", async () => {
    const status = await settled((await dns01Service("good.example.test", { server: bind.server, secret: bind.secret })).service);
    expect(status).toMatchObject({ state: "valid", certificate: { source: "acme", names: ["good.example.test"] } });
    expect(await bind.dig("_acme-challenge.good.example.test", "TXT")).toEqual([]);
  });

  it("waits for a name server that is slow to get the record before answering the challenge, so the CA asking that server finds it", async () => {
    // The CA asks only the lagging server; podhost updates the first one. Without the wait, pebble looks before the copy.
    const lagging = await startBind();
    cleanups.push(() => lagging.close());
    const slowCa = await startPebble({ httpPort: await freePort(), tlsPort: await freePort(), dnsServer: lagging.server });
    cleanups.push(() => slowCa.stop());
    const trusted = process.env.NODE_EXTRA_CA_CERTS;
    process.env.NODE_EXTRA_CA_CERTS = slowCa.listenerCaFile;
    cleanups.push(async () => void (process.env.NODE_EXTRA_CA_CERTS = trusted));

    const fqdn = "_acme-challenge.lagging.example.test";
    const { service, ddns } = await dns01Service("lagging.example.test", { server: bind.server, secret: bind.secret, nameServers: [bind.server, lagging.server] }, slowCa);
    await waitFor("podhost to wait for the lagging name server", () => ddns.clock.pending() > 0);
    expect(service.status().progress).toMatchObject({ step: "challenge", challenge: "dns-01" });
    const [value] = await bind.dig(fqdn, "TXT");
    await lagging.nsupdate([`update add ${fqdn} 60 TXT ${value}`]);
    ddns.clock.advance(propagation.intervalMs);
    expect(await settled(service)).toMatchObject({ state: "valid", certificate: { source: "acme", names: ["lagging.example.test"] } });
  });

  it("a wrong TSIG secret is a DNS problem: names dns.password and the key's settings, never the CA", async () => {
    const wrong = Buffer.from("a secret BIND does not know").toString("base64");
    const status = await settled((await dns01Service("wrongkey.example.test", { server: bind.server, secret: wrong })).service);
    expect(status.state).toBe("failed");
    expect(status.lastError).toMatchObject({ code: "dns-01-record-failed", field: "dns.password" });
    expect(status.message).toBe(
      "DNS validation for wrongkey.example.test could not start, because the DNS provider did not take the TXT record: The DNS server refused the TXT change for _acme-challenge.wrongkey.example.test: it answered NOTAUTH (the server did not accept the TSIG key: check its name, algorithm and secret).",
    );
    expect(status.lastError?.fix).toMatch(/^Check the TSIG key under Settings > Domain & DNS: its name \(dns\.username\), algorithm \(dns\.tsigAlgorithm\) and secret \(dns\.password\)/);
    expect(status.message).not.toMatch(/certificate authority/i);
    expect(status.lastError?.fix).not.toMatch(/certs\.acme/);
    expect(status.action).toMatchObject({ page: "settings/dns" });
    expect(JSON.stringify(status)).not.toContain(wrong);
  });

  it("a DNS server that is down is a DNS problem: names dns.server and the address it tried", async () => {
    const gone = await startBind();
    await gone.close();
    const status = await settled((await dns01Service("down.example.test", { server: gone.server, secret: gone.secret })).service);
    expect(status.lastError).toMatchObject({ code: "dns-01-record-failed", field: "dns.server" });
    expect(status.message).toBe(
      `DNS validation for down.example.test could not start, because the DNS provider did not take the TXT record: RFC 2136 (your own DNS server, TSIG): could not reach the DNS server ${gone.server}: ECONNREFUSED.`,
    );
    expect(status.lastError?.fix).toMatch(/^Check that dns\.server names the right server and that it is up/);
    expect(status.action).toMatchObject({ page: "settings/dns" });
  });
});
