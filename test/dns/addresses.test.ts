import { afterEach, describe, expect, it } from "vitest";
import { detectAddresses } from "../../main/dns/addresses";
import { isPublicAddress } from "../../shared/addresses";
import { createHttpClient } from "../../main/dns/http";
import { podhostVersion } from "../../main/version";
import { startDdnsFixture, type DdnsFixture } from "../fixtures/ddns";

const fixtures: DdnsFixture[] = [];
afterEach(async () => {
  await Promise.all(fixtures.splice(0).map((f) => f.close()));
});

async function echo(address: string): Promise<DdnsFixture> {
  const fixture = await startDdnsFixture("echo", { address });
  fixtures.push(fixture);
  return fixture;
}

const http = createHttpClient("podhost/test");
const iface = (address: string, family: "IPv4" | "IPv6", internal = false) => ({ address, family, internal, netmask: "", mac: "02:00:00:00:00:01", cidr: null, scopeid: 0 });

describe("public address", () => {
  it("never publishes an address from IANA's special-purpose registries: private, loopback, link-local, multicast, CGNAT, documentation, benchmarking, reserved", () => {
    for (const address of ["10.1.2.3", "172.16.0.1", "192.168.1.20", "127.0.0.1", "169.254.1.1", "100.64.0.1", "224.0.0.251", "240.0.0.1", "0.0.0.0", "198.18.0.1",
      "192.0.2.2", "198.51.100.4", "203.0.113.9", "192.0.0.8", "255.255.255.255",
      "::1", "::", "fe80::1", "fd00::1", "ff02::1", "::ffff:45.77.100.4", "2001:db8::4", "3fff::1", "2001:2::1", "64:ff9b::1.2.3.4", "not an address", "", "10", "0x7f.0.0.1"]) {
      expect(isPublicAddress(address), address).toBe(false);
    }
  });

  it("publishes addresses outside those registries", () => {
    for (const address of ["45.77.100.4", "45.77.113.9", "8.8.8.8", "100.128.0.1", "2a01:4f8:100::4", "2a01:4f8::1"]) expect(isPublicAddress(address), address).toBe(true);
  });

  it("does not publish this PC's interface address when it is in a documentation range (192.0.2.0/24)", async () => {
    const found = await detectAddresses({ router: { externalIp: async () => undefined }, echoUrls: [], interfaces: () => ({ eth0: [iface("192.0.2.2", "IPv4")] }), http }, false, undefined);
    expect(found.ipv4).toBeUndefined();
  });

  it("takes the router's address when it is public, and asks no echo service", async () => {
    const service = await echo("45.77.113.50");
    const found = await detectAddresses({ router: { externalIp: async () => "45.77.100.4" }, echoUrls: [service.baseUrl], interfaces: () => ({}), http }, false, undefined);
    expect(found).toEqual({ ipv4: "45.77.100.4", source: "the router" });
    expect(service.requests).toHaveLength(0);
  });

  it("asks the echo URL when the router's address is private (double NAT), skipping a service that answers nonsense", async () => {
    const broken = await echo("192.168.0.1");
    const good = await echo("45.77.113.50");
    const found = await detectAddresses({ router: { externalIp: async () => "10.0.0.2" }, echoUrls: [broken.baseUrl, good.baseUrl], interfaces: () => ({}), http }, false, undefined);
    expect(found).toEqual({ ipv4: "45.77.113.50", source: new URL(good.baseUrl).host });
    expect(good.requests[0]?.headers["user-agent"]).toBe("podhost/test");
  });

  it("falls back to a public interface address, and takes IPv6 from the interfaces, keeping the published one while it is there", async () => {
    const interfaces = () => ({
      lo: [iface("127.0.0.1", "IPv4", true)],
      eth0: [iface("192.168.1.20", "IPv4"), iface("45.77.100.77", "IPv4"), iface("fe80::1", "IPv6"), iface("2a01:4f8:100::aaaa", "IPv6"), iface("2a01:4f8:100::4", "IPv6")],
    });
    const sources = { router: { externalIp: async () => undefined }, echoUrls: [], interfaces, http };
    expect(await detectAddresses(sources, true, undefined)).toEqual({ ipv4: "45.77.100.77", ipv6: "2a01:4f8:100::aaaa", source: "a network interface" });
    expect(await detectAddresses(sources, true, { ipv6: "2a01:4f8:100::4" })).toMatchObject({ ipv6: "2a01:4f8:100::4" });
    expect(await detectAddresses(sources, false, undefined)).toEqual({ ipv4: "45.77.100.77", source: "a network interface" });
  });

  it("finds nothing rather than something wrong", async () => {
    const found = await detectAddresses({ router: { externalIp: async () => { throw new Error("no IGD"); } }, echoUrls: [], interfaces: () => ({ eth0: [iface("192.168.1.20", "IPv4")] }), http }, true, undefined);
    expect(found).toEqual({ source: "" });
  });

  it("reads podhost's version for the User-Agent from package.json", async () => {
    const { readFile } = await import("node:fs/promises");
    const pkg = JSON.parse(await readFile(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
    expect(podhostVersion()).toBe(pkg.version);
  });
});
