import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { UserError } from "../../shared/errors";
import { authoritativeServers, propagation } from "../../main/dns/propagation";
import { waitFor } from "../helpers/temp";
import { startBind, type Bind } from "./bind";
import { startHarness, type Harness } from "./harness";

/**
 * Two real BIND 9 servers for one zone: podhost updates the first; the second gets the record
 * only when the test copies it there (a provider whose other name servers are slow to catch up).
 */
let primary: Bind;
let lagging: Bind;
let h: Harness | undefined;

beforeAll(async () => {
  [primary, lagging] = await Promise.all([startBind(), startBind()]);
});
afterAll(async () => {
  await Promise.all([primary?.close(), lagging?.close()]);
});
afterEach(async () => {
  await h?.cleanup();
  h = undefined;
});

async function harness(): Promise<Harness> {
  h = await startHarness(
    { "dns.provider": "rfc2136", "dns.name": "slow.example.test", "dns.server": primary.server, "dns.username": primary.keyName },
    { "dns.password": primary.secret },
    { authoritativeServers: async () => [primary.server, lagging.server] },
  );
  return h;
}

const fqdn = "_acme-challenge.slow.example.test";

describe("DNS-01 waits until every name server of the zone serves the TXT record", () => {
  it("completes the set only once the lagging server has the record too", async () => {
    const h = await harness();
    let done = false;
    const setting = h.service.txtRecords()!.setTxt(fqdn, "token-value").then(() => (done = true));
    await waitFor("the first look at the name servers to find the lagging one without the record", () => h.clock.pending() > 0);
    expect(await primary.dig(fqdn, "TXT")).toEqual(['"token-value"']);
    expect(await lagging.dig(fqdn, "TXT")).toEqual([]);
    expect(done).toBe(false);

    await lagging.nsupdate([`update add ${fqdn} 60 TXT "token-value"`]);
    h.clock.advance(propagation.intervalMs);
    await setting;
    expect(done).toBe(true);
  });

  it("gives up after 2 minutes with a dns.* error naming the server that never served it", async () => {
    const h = await harness();
    const setting = h.service.txtRecords()!.setTxt(fqdn, "never-copied").catch((error: unknown) => error as UserError);
    await waitFor("the first look at the name servers", () => h.clock.pending() > 0);
    h.clock.advance(propagation.timeoutMs);
    const error = await setting;
    expect(error).toMatchObject({ code: "dns-txt-not-served", field: "dns.provider" });
    expect((error as UserError).message).toBe(
      `RFC 2136 (your own DNS server, TSIG) took the TXT record ${fqdn}, but the name servers ${lagging.server} still did not serve it after 2 minutes, so podhost did not ask the certificate authority to look.`,
    );
  });

  it("finds the zone's name servers from its NS records, walking up from the challenge name (asking only PODHOST_DNS_SERVER)", async () => {
    // example.test's NS is ns.example.test, whose A record is 127.0.0.1 (port 53 in real life; the tests pass the port themselves).
    expect(await authoritativeServers(fqdn, { PODHOST_DNS_SERVER: primary.server })).toEqual(["127.0.0.1"]);
    expect(await authoritativeServers("_acme-challenge.pod.not-here.test", { PODHOST_DNS_SERVER: primary.server })).toEqual([]);
  });
});
