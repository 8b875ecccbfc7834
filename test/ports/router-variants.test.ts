import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tempDir } from "../helpers/temp";
import { PortsAgent } from "../net/agent-client";
import { HomeNetwork } from "../net/harness";

const proxy = { httpsPort: 8443, httpPort: 8080 };

describe("routers that are not the easy case", () => {
  let network: HomeNetwork;
  let dir: Awaited<ReturnType<typeof tempDir>>;
  const agents: PortsAgent[] = [];

  const startAgent = async (name: string, discoveryTimeoutMs = 2000, externalHttpsPort = 443) => {
    const agent = await PortsAgent.start(network, { dataDir: `${dir.path}/${name}`, ...proxy, ports: { upnp: true, externalHttpsPort, discoveryTimeoutMs } });
    agents.push(agent);
    return agent;
  };

  beforeAll(async () => {
    dir = await tempDir();
    network = await HomeNetwork.create({ dir: dir.path, igdV1: true });
  });

  afterAll(async () => {
    for (const agent of agents) await agent.kill();
    await network?.teardown();
    await dir?.cleanup();
  });

  it("falls back to NAT-PMP when the router does not speak UPnP, without waiting out the UPnP search", async () => {
    await network.stopRouter();
    await network.startRouter({ upnp: false });
    const agent = await startAgent("natpmp", 10_000, 9443);
    const started = Date.now();
    const status = await agent.call("start");
    // The router's SSDP port answers "unreachable" at once: nothing to wait for.
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(status, `${JSON.stringify(status)}\n${agent.stderr}`).toMatchObject({ state: "mapped", externalIp: network.wanAddress, router: { kind: "nat-pmp" } });
    expect(status.mappings?.[0]).toMatchObject({ externalPort: 9443, internalPort: 8443 });
    expect(await network.natRules()).toMatch(/dport 9443 dnat ip to 192\.168\.77\.2:8443/);
    await agent.call("serve", { port: proxy.httpsPort });
    expect(await network.connectFromInternet(network.wanAddress, 9443)).toBe("podhost-proxy");
  });

  it("re-adds the NAT-PMP mapping after the router restarted", async () => {
    const agent = agents[agents.length - 1]!;
    await network.stopRouter();
    expect(await network.natRules()).not.toMatch(/dport 9443/);
    await network.startRouter({ upnp: false });
    const status = await agent.call("advance", { ms: 30_000 });
    expect(status.state).toBe("mapped");
    expect(await network.natRules()).toMatch(/dport 9443 dnat ip to 192\.168\.77\.2:8443/);
    await agent.call("stop");
    expect(await network.natRules()).not.toMatch(/dport 9443/);
  });

  it("says clearly, within the discovery timeout, that no router answered", async () => {
    await network.stopRouter();
    const agent = await startAgent("none", 1500);
    const started = Date.now();
    const status = await agent.call("start");
    expect(Date.now() - started).toBeLessThan(1500 + 500);
    expect(status.state).toBe("unsupported");
    expect(status.message).toBe("No router answered UPnP or NAT-PMP within 1.5 s, so podhost cannot open the pod's port.");
    expect(status.action?.label).toBe("Turn on UPnP (or NAT-PMP) in the router's settings, or forward port 443 to port 8443 of this PC by hand in the router's settings.");
  });

  it("explains a router whose own WAN address is private (double NAT) and maps nothing", async () => {
    network.setWanAddress("10.20.0.2");
    await network.startRouter();
    const agent = await startAgent("double-nat");
    const status = await agent.call("start");
    expect(status).toMatchObject({ state: "unsupported", natType: "no-public-address" });
    expect(status.message).toMatch(/double NAT/);
    expect(status.action?.label).toMatch(/bridge mode/);
    expect(await agent.call("externalIp")).toBeNull();
    expect(await network.upnpcList()).toEqual([]);
  });
});
