import { afterEach, describe, expect, it } from "vitest";
import { startDdnsFixture, type DdnsFixture, type DdnsFixtureOptions } from "../fixtures/ddns";
import { startHarness, type Harness } from "./harness";

let fixture: DdnsFixture;
let h: Harness;

afterEach(async () => {
  await h?.cleanup();
  await fixture?.close();
});

async function start(provider: string, options: DdnsFixtureOptions = {}): Promise<void> {
  fixture = await startDdnsFixture("dyndns2", options);
  h = await startHarness(
    { "dns.provider": provider, "dns.name": "pod.example.org", "dns.server": fixture.baseUrl, "dns.username": "pod-user" },
    { "dns.password": "correct horse battery" },
  );
}

const basic = `Basic ${Buffer.from("pod-user:correct horse battery").toString("base64")}`;

describe("dyndns2 and its presets (No-IP, Dynu, Hurricane Electric, DNS-O-Matic)", () => {
  it("sends GET /nic/update?hostname=&myip= with Basic auth and podhost's User-Agent", async () => {
    await start("dyndns2");
    const result = await h.service.updateNow();
    expect(fixture.requests).toHaveLength(1);
    const [request] = fixture.requests;
    expect(request).toMatchObject({ method: "GET", path: "/nic/update", query: { hostname: "pod.example.org", myip: "45.77.100.4" } });
    expect(request?.headers.authorization).toBe(basic);
    expect(request?.headers["user-agent"]).toBe("podhost/9.8.7");
    expect(result).toEqual({
      at: h.clock.now(),
      outcome: "accepted",
      sent: { ipv4: "45.77.100.4" },
      answer: "good 45.77.100.4",
      message: 'Sent 45.77.100.4 to dyndns2 (generic) for pod.example.org; it answered "good 45.77.100.4" (the address was updated).',
      next: "Next check in 5 minutes.",
    });
  });

  const reactions: [string, number, string][] = [
    ["good 45.77.100.4", 200, "accepted"],
    ["nochg 45.77.100.4", 200, "accepted"],
    ["badauth", 401, "stopped"],
    ["!donator", 200, "stopped"],
    ["notfqdn", 200, "stopped"],
    ["nohost", 200, "stopped"],
    ["numhost", 200, "stopped"],
    ["badagent", 200, "stopped"],
    ["abuse", 200, "stopped"],
    ["911", 200, "waiting"],
    ["dnserr", 200, "waiting"],
    ["<html>Bad Gateway</html>", 502, "retrying"],
    ["something new", 200, "retrying"],
  ];
  for (const [body, status, outcome] of reactions) {
    it(`reacts to "${body}" (HTTP ${status}) with ${outcome}`, async () => {
      await start("dyndns2");
      fixture.setReply({ status, body });
      const result = await h.service.updateNow();
      expect(result.outcome).toBe(outcome);
      expect(result.message).toContain("Sent 45.77.100.4 to dyndns2 (generic) for pod.example.org; it answered");
    });
  }

  it("reads the body of an HTTP 200 too: Hurricane Electric's badauth stops updates", async () => {
    await start("he", { errorsWith200: true, password: "another password" });
    const result = await h.service.updateNow();
    expect(result).toMatchObject({ outcome: "stopped", answer: "badauth" });
  });

  it("Hurricane Electric: sends A and AAAA in one request each", async () => {
    await start("he");
    h.addIpv6("2a01:4f8:100::4");
    const result = await h.service.updateNow();
    expect(fixture.requests.map((r) => r.query)).toEqual([
      { hostname: "pod.example.org", myip: "45.77.100.4" },
      { hostname: "pod.example.org", myip: "2a01:4f8:100::4" },
    ]);
    expect(result).toMatchObject({ outcome: "accepted", sent: { ipv4: "45.77.100.4", ipv6: "2a01:4f8:100::4" } });
    expect(result.message).toContain("Sent 45.77.100.4 and 2a01:4f8:100::4 to Hurricane Electric");
  });

  for (const provider of ["noip", "dynu"]) {
    it(`${provider}: sends IPv6 as myipv6 in the same request`, async () => {
      await start(provider);
      h.addIpv6("2a01:4f8:100::4");
      await h.service.updateNow();
      expect(fixture.requests.map((r) => r.query)).toEqual([{ hostname: "pod.example.org", myip: "45.77.100.4", myipv6: "2a01:4f8:100::4" }]);
    });
  }

  it("DNS-O-Matic sends IPv4 only", async () => {
    await start("dnsomatic");
    h.addIpv6("2a01:4f8:100::4");
    await h.service.updateNow();
    expect(fixture.requests.map((r) => r.query)).toEqual([{ hostname: "pod.example.org", myip: "45.77.100.4" }]);
  });

  it("asks for the server when the generic dyndns2 has none", async () => {
    fixture = await startDdnsFixture("dyndns2");
    h = await startHarness({ "dns.provider": "dyndns2", "dns.name": "pod.example.org", "dns.username": "u" }, { "dns.password": "p" });
    expect(h.service.status()).toMatchObject({ state: "not-configured", message: "dyndns2 (generic) needs the update server (dns.server): enter it in Settings > Domain & DNS." });
  });
});
