import { afterEach, describe, expect, it } from "vitest";
import { startDdnsFixture, type DdnsFixture, type DdnsFixtureProvider } from "../fixtures/ddns";
import { minutes, startHarness, type Harness } from "./harness";

let fixture: DdnsFixture;
let h: Harness;

afterEach(async () => {
  await h?.cleanup();
  await fixture?.close();
});

const token = "test-token-0123456789abcdef";

async function start(kind: DdnsFixtureProvider, settings: Record<string, unknown>, secrets: Record<string, string>): Promise<void> {
  fixture = await startDdnsFixture(kind);
  h = await startHarness({ ...settings, "dns.server": fixture.baseUrl }, secrets);
}

describe("DuckDNS", () => {
  const duck = () => start("duckdns", { "dns.provider": "duckdns", "dns.name": "pod.duckdns.org" }, { "dns.token": token });

  it("sends GET /update?domains=&token=&ip=&ipv6=&verbose=true and reads OK", async () => {
    await duck();
    h.addIpv6("2a01:4f8:100::4");
    const result = await h.service.updateNow();
    expect(fixture.requests).toHaveLength(1);
    expect(fixture.requests[0]).toMatchObject({ method: "GET", path: "/update", query: { domains: "pod", token, ip: "45.77.100.4", ipv6: "2a01:4f8:100::4", verbose: "true" } });
    expect(fixture.requests[0]?.headers["user-agent"]).toBe("podhost/9.8.7");
    expect(result).toMatchObject({ outcome: "accepted", answer: "OK UPDATED" });
  });

  it("stops on KO and says the token or domain is wrong", async () => {
    await duck();
    h.secrets.set("dns.token", "wrong-token");
    await h.configure({});
    const result = await h.service.updateNow();
    expect(result).toMatchObject({ outcome: "stopped", answer: "KO" });
    expect(result.message).toContain("the token or the domain is wrong");
    expect(result.message).not.toContain("wrong-token");
  });

  it("sets and clears the TXT record for DNS-01", async () => {
    await duck();
    const txt = h.service.txtRecords();
    await txt?.setTxt("_acme-challenge.pod.duckdns.org", "challenge-value-1");
    expect(fixture.state.txt).toEqual(["challenge-value-1"]);
    expect(fixture.requests[0]?.query).toEqual({ domains: "pod", token, txt: "challenge-value-1", verbose: "true" });
    await txt?.removeTxt("_acme-challenge.pod.duckdns.org", "challenge-value-1");
    expect(fixture.state.txt).toEqual([]);
    expect(fixture.requests[1]?.query).toMatchObject({ txt: "", clear: "true" });
  });
});

describe("Cloudflare", () => {
  const cf = () => start("cloudflare", { "dns.provider": "cloudflare", "dns.name": "pod.example.org" }, { "dns.token": token });

  it("finds the zone, creates the A record when missing, then PATCHes it on a change", async () => {
    await cf();
    expect(await h.service.updateNow()).toMatchObject({ outcome: "accepted", answer: "A created" });
    expect(fixture.requests.map((r) => `${r.method} ${r.path}?${new URLSearchParams(r.query)}`)).toEqual([
      "GET /client/v4/zones?name=pod.example.org",
      "GET /client/v4/zones?name=example.org",
      "GET /client/v4/zones/023e105f4ecef8ad9ca31a8372d0c353/dns_records?type=A&name=pod.example.org",
      "POST /client/v4/zones/023e105f4ecef8ad9ca31a8372d0c353/dns_records?",
    ]);
    expect(fixture.requests.every((r) => r.headers.authorization === `Bearer ${token}` && r.headers["user-agent"] === "podhost/9.8.7")).toBe(true);
    expect(JSON.parse(fixture.requests[3]!.body)).toEqual({ type: "A", name: "pod.example.org", content: "45.77.100.4", ttl: 1, proxied: false });

    h.router.address = "45.77.113.9";
    h.clock.advance(minutes(5));
    expect(await h.service.check()).toMatchObject({ outcome: "accepted", answer: "A updated" });
    const patch = fixture.requests.at(-1)!;
    expect(patch.method).toBe("PATCH");
    expect(JSON.parse(patch.body)).toEqual({ content: "45.77.113.9" });
    expect(fixture.state.records).toMatchObject([{ type: "A", name: "pod.example.org", content: "45.77.113.9" }]);
  });

  it("stops when the token is refused (403, code 10000)", async () => {
    await cf();
    h.secrets.set("dns.token", "not-the-token");
    await h.configure({});
    const result = await h.service.updateNow();
    expect(result).toMatchObject({ outcome: "stopped", answer: "10000 Authentication error" });
    expect(result.message).toContain("the API token is wrong, or lacks the permissions Zone:DNS:Edit and Zone:Read");
  });

  it("stops when no zone in the account holds the name", async () => {
    await cf();
    await h.configure({ "dns.name": "pod.elsewhere.net" });
    expect(await h.service.updateNow()).toMatchObject({ outcome: "stopped", answer: "no zone" });
  });

  it("retries with backoff on a 5xx and waits on a 429", async () => {
    await cf();
    fixture.setReply({ status: 503, body: "<html>upstream</html>" });
    expect(await h.service.updateNow()).toMatchObject({ outcome: "retrying", answer: "HTTP 503" });
    fixture.setReply({ status: 429, body: JSON.stringify({ success: false, errors: [{ code: 971, message: "Please wait and consider throttling your request speed" }] }) });
    h.clock.advance(minutes(1));
    expect(await h.service.updateNow()).toMatchObject({ outcome: "waiting" });
  });

  it("adds and removes a TXT record for DNS-01", async () => {
    await cf();
    const txt = h.service.txtRecords();
    await txt?.setTxt("_acme-challenge.pod.example.org", "v1");
    await txt?.setTxt("_acme-challenge.pod.example.org", "v2");
    expect(fixture.state.records.map((r) => [r.type, r.name, r.content])).toEqual([
      ["TXT", "_acme-challenge.pod.example.org", "v1"],
      ["TXT", "_acme-challenge.pod.example.org", "v2"],
    ]);
    await txt?.removeTxt("_acme-challenge.pod.example.org", "v1");
    expect(fixture.state.records.map((r) => r.content)).toEqual(["v2"]);
  });
});

describe("deSEC", () => {
  const desec = () => start("desec", { "dns.provider": "desec", "dns.name": "pod.example.org" }, { "dns.token": token });

  it("always sends both families, preserving the one it does not have", async () => {
    await desec();
    expect(await h.service.updateNow()).toMatchObject({ outcome: "accepted", answer: "good" });
    expect(fixture.requests[0]).toMatchObject({ path: "/", query: { hostname: "pod.example.org", myipv4: "45.77.100.4", myipv6: "preserve" } });
    expect(fixture.requests[0]?.headers.authorization).toBe(`Basic ${Buffer.from(`pod.example.org:${token}`).toString("base64")}`);
    h.addIpv6("2a01:4f8:100::4");
    h.clock.advance(minutes(5));
    await h.service.check();
    expect(fixture.requests[1]?.query).toEqual({ hostname: "pod.example.org", myipv4: "45.77.100.4", myipv6: "2a01:4f8:100::4" });
    expect(fixture.state.addresses).toEqual({ ipv4: "45.77.100.4", ipv6: "2a01:4f8:100::4" });
  });

  it("stops on 401 badauth", async () => {
    await desec();
    h.secrets.set("dns.token", "nope-nope-nope");
    await h.configure({});
    expect(await h.service.updateNow()).toMatchObject({ outcome: "stopped", answer: "HTTP 401 badauth" });
  });

  it("adds and removes a TXT value through the REST API, keeping other values", async () => {
    await desec();
    const txt = h.service.txtRecords();
    await txt?.setTxt("_acme-challenge.pod.example.org", "v1");
    await txt?.setTxt("_acme-challenge.pod.example.org", "v2");
    expect(fixture.state.records.map((r) => r.content)).toEqual(['"v1"', '"v2"']);
    const patch = fixture.requests.find((r) => r.method === "PATCH")!;
    expect(patch.path).toBe("/api/v1/domains/example.org/rrsets/");
    expect(patch.headers.authorization).toBe(`Token ${token}`);
    expect(JSON.parse(patch.body)).toEqual([{ subname: "_acme-challenge.pod", type: "TXT", ttl: 3600, records: ['"v1"'] }]);
    await txt?.removeTxt("_acme-challenge.pod.example.org", "v1");
    expect(fixture.state.records.map((r) => r.content)).toEqual(['"v2"']);
  });
});

describe("Namecheap", () => {
  const nc = (password = "correct horse battery") => start("namecheap", { "dns.provider": "namecheap", "dns.name": "pod.example.org" }, { "dns.password": password });

  it("sends host, domain, password and ip, and reads ErrCount 0 as success", async () => {
    await nc();
    expect(await h.service.updateNow()).toMatchObject({ outcome: "accepted", answer: "ErrCount 0, IP 45.77.100.4" });
    expect(fixture.requests[0]).toMatchObject({ path: "/update", query: { host: "pod", domain: "example.org", password: "correct horse battery", ip: "45.77.100.4" } });
    expect(fixture.requests[0]?.headers["user-agent"]).toBe("podhost/9.8.7");
    const logged = JSON.stringify(h.log.tail(100));
    expect(logged).toContain("Sent 45.77.100.4 to Namecheap");
    expect(logged).not.toContain("correct horse battery");
  });

  it("stops on an XML error even though the HTTP status is 200", async () => {
    await nc("wrong");
    const result = await h.service.updateNow();
    expect(result).toMatchObject({ outcome: "stopped", answer: "Passwords do not match" });
    expect(result.message).not.toContain("wrong)");
  });

  it("uses dns.username as the registered domain", async () => {
    await nc();
    await h.configure({ "dns.name": "example.org", "dns.username": "example.org" });
    await h.service.updateNow();
    expect(fixture.requests[0]?.query).toMatchObject({ host: "@", domain: "example.org" });
  });
});

describe("FreeDNS (afraid.org)", () => {
  const afraid = (t = token) => start("freedns", { "dns.provider": "freedns", "dns.name": "pod.example.org" }, { "dns.token": t });

  it("calls the record's update URL with the address and reads the sentence", async () => {
    await afraid();
    expect(await h.service.updateNow()).toMatchObject({ outcome: "accepted", answer: "Updated 1 host(s) pod.example.org to 45.77.100.4 in 0.192 seconds" });
    expect(fixture.requests[0]).toMatchObject({ path: `/u/${token}/`, query: { address: "45.77.100.4" } });
    expect(fixture.requests[0]?.headers["user-agent"]).toBe("podhost/9.8.7");
    expect(JSON.stringify(h.log.tail(100))).not.toContain(token);
    h.clock.advance(minutes(2));
    expect(await h.service.updateNow({ force: true })).toMatchObject({ outcome: "accepted", answer: expect.stringMatching(/^No IP change detected/) });
  });

  it("takes the token from a pasted v2 or v1 update URL, and sends it only to the configured server", async () => {
    await afraid(`https://sync.afraid.org/u/${token}/`);
    expect(await h.service.updateNow()).toMatchObject({ outcome: "accepted" });
    h.secrets.set("dns.token", `https://freedns.afraid.org/dynamic/update.php?${token}`);
    await h.configure({});
    h.router.address = "45.77.113.9";
    h.clock.advance(minutes(2));
    expect(await h.service.updateNow()).toMatchObject({ outcome: "accepted", answer: "Updated pod.example.org to 45.77.113.9 in 0.204 seconds" });
    expect(fixture.requests.map((r) => `${r.path}?${new URLSearchParams(r.query)}`)).toEqual([
      `/u/${token}/?address=45.77.100.4`,
      `/dynamic/update.php?${token}=&address=45.77.113.9`,
    ]);
  });

  it("stops on ERROR", async () => {
    await afraid("unknown-token");
    expect(await h.service.updateNow()).toMatchObject({ outcome: "stopped", answer: expect.stringMatching(/^ERROR: Unable to locate this record/) });
  });
});
