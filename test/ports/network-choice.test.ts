import type { NetworkInterfaceInfo } from "node:os";
import { describe, expect, it } from "vitest";
import { homeInterfaces, lanAddressFor } from "../../main/ports/lan";
import { fallbackPort } from "../../main/ports/map-port";
import { classifyExternalIp, portsSettings } from "../../shared/ports";
import { settingsSchema } from "../../shared/settings";

const v4 = (address: string, netmask = "255.255.255.0", internal = false): NetworkInterfaceInfo => ({ address, netmask, family: "IPv4", mac: "00:00:00:00:00:00", internal, cidr: `${address}/24` });

describe("choosing the network and the ports", () => {
  it("uses the LAN address on the router's subnet and never a container bridge or VPN", () => {
    const interfaces = homeInterfaces({
      lo: [v4("127.0.0.1", "255.0.0.0", true)],
      docker0: [v4("172.17.0.1", "255.255.0.0")],
      wg0: [v4("10.8.0.2")],
      "br-4f2a": [v4("192.168.1.77")],
      tailscale0: [v4("100.101.1.2", "255.255.255.255")],
      enp3s0: [v4("192.168.1.20")],
      wlan0: [v4("10.0.0.5")],
    });
    expect(interfaces.map((i) => i.name)).toEqual(["enp3s0", "wlan0"]);
    expect(lanAddressFor("192.168.1.1", interfaces)).toBe("192.168.1.20");
    expect(lanAddressFor("10.0.0.1", interfaces)).toBe("10.0.0.5");
    expect(lanAddressFor("172.17.0.1", interfaces)).toBeUndefined();
  });

  it("falls back from 443 to 8443 and from 80 to 8080, and from a high port to the next one", () => {
    expect([fallbackPort(443), fallbackPort(80), fallbackPort(9443)]).toEqual([8443, 8080, 9444]);
  });

  it("tells public, private (double NAT), carrier-grade NAT and missing WAN addresses apart", () => {
    expect(["45.77.10.2", "10.1.2.3", "172.20.0.1", "192.168.0.20", "100.64.0.1", "100.127.255.254", "100.128.0.1", "", "0.0.0.0", "169.254.1.1", "192.0.2.2", "198.18.0.9"].map(classifyExternalIp)).toEqual([
      "public", "double-nat", "double-nat", "double-nat", "cgnat", "cgnat", "public", "no-public-address", "no-public-address", "no-public-address", "no-public-address", "no-public-address",
    ]);
  });

  it("keeps port mapping off by default and names the field in validation errors", () => {
    expect(settingsSchema.parse({}).ports).toEqual({ upnp: false, externalHttpsPort: 443, mapHttp: false, externalHttpPort: 80, discoveryTimeoutMs: 5000 });
    expect(portsSettings.safeParse({ discoveryTimeoutMs: 200 }).error?.issues[0]?.message).toBe("ports.discoveryTimeoutMs must be from 1000 to 60000.");
    expect(portsSettings.safeParse({ externalHttpsPort: 70000 }).error?.issues[0]?.message).toBe("ports.externalHttpsPort must be from 1 to 65535.");
  });
});
