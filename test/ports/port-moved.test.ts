import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DoctorReport } from "../../shared/doctor";
import type { HomeNetworkOptions } from "../net/harness";
import { reachVerdict } from "../../shared/setup";
import { startAgentHome, type AgentHome, type PortsAgent } from "../net/agent-client";
import type { HomeNetwork } from "../net/harness";

const proxy = { httpsPort: 8443, httpPort: 8080 };

/**
 * miniupnpd's default rules refuse external ports below 1024. Each protocol then offers another
 * port (IGD v2 and v1: 8443, NAT-PMP: a port of its own choosing): podhost must say so and keep
 * nothing, because the pod's address names 443.
 */
describe.each([
  { kind: "upnp-igd2", router: {} },
  { kind: "upnp-igd1", router: { igdV1: true } },
  { kind: "nat-pmp", router: { upnp: false } },
] satisfies { kind: string; router: Partial<HomeNetworkOptions> }[])("a router that refuses port 443 ($kind)", ({ kind, router }) => {
  let home: AgentHome;
  let network: HomeNetwork;
  let agent: PortsAgent;

  beforeAll(async () => {
    home = await startAgentHome(router, { ...proxy, domain: "pod.example.org", ports: { upnp: true, externalHttpsPort: 443, discoveryTimeoutMs: 3000 } });
    ({ network, agent } = home);
    await agent.call("serve", { port: proxy.httpsPort });
  });

  afterAll(() => home?.close());

  it("says before the first start which port the router offers instead, and what the address would become", async () => {
    const check = await agent.checkPodAddress("pod.example.org");
    expect(check.accepted443).toBe(false);
    expect(check.externalPort).not.toBe(443);
    expect(check.message).toMatch(new RegExp(`^The router does not accept external port 443; it offers ${check.externalPort}\\. The pod's address would be https://pod\\.example\\.org:${check.externalPort}/, for good`));
  });

  it("reports the start as failed, never 'mapped', names both ports, and leaves nothing forwarded", async () => {
    const status = await agent.call("start");
    expect(status, agent.stderr).toMatchObject({ state: "failed", router: { kind } });
    expect(status.message).toMatch(/^The router will not forward external port 443 to this PC: it offered port \d+ instead\. The pod's address https:\/\/pod\.example\.org\/ uses port 443, so visitors would find a closed port\.$/);
    expect(status.action?.label).toMatch(/^Allow port 443 for this PC in the router's UPnP\/NAT-PMP settings/);
    expect(await network.natRules()).not.toMatch(/dnat ip to 192\.168\.77\.2:8443/);
  });

  it("has the doctor call the router hop broken and the setup end with 'this network only', which a client on the internet confirms", async () => {
    const report = await agent.call<DoctorReport>("doctor", { domain: "pod.example.org", resolvesTo: [network.wanAddress] });
    expect(report.ok).toBe(false);
    expect(report.hops.find((h) => h.id === "router")).toMatchObject({ state: "fail" });
    expect(reachVerdict(report, "local")).toMatchObject({ level: "this-network", headline: "Your pod is running, reachable on this network only" });
    expect(await network.connectFromInternet(network.wanAddress, 443)).not.toBe("podhost-proxy");
  });
});

describe("NAT-PMP requests while the router searches for a port it allows", () => {
  it("does not make a router that is searching for an allowed port search again: discovery, address, one mapping request, its removal", async () => {
    const { network, agent, close } = await startAgentHome({ upnp: false }, { ...proxy, ports: { upnp: true, externalHttpsPort: 443, discoveryTimeoutMs: 3000 } });
    try {
      const before = await network.natPmpRequests();
      expect((await agent.call("start")).state).toBe("failed");
      // 4 when every answer comes within a second; a resend allowed for a reply lost under load.
      expect((await network.natPmpRequests()) - before).toBeLessThanOrEqual(5);
    } finally {
      await close();
    }
  });
});
