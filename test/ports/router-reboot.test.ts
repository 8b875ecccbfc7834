import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { HomeNetworkOptions } from "../net/harness";
import { waitFor } from "../helpers/temp";
import { startAgentHome, type AgentHome, type PortsAgent } from "../net/agent-client";
import type { HomeNetwork } from "../net/harness";

const proxy = { httpsPort: 8443, httpPort: 8080 };
const checkMs = 30_000;

/**
 * A router that reboots forgets its mappings unless it keeps a lease file. podhost reads the
 * mappings back every 30 s, so it notices within one interval (not at the half-lease renewal,
 * 30 minutes later), maps again, and says what happened and when.
 */
describe.each([
  { name: "IGD v2, leases lost", router: {}, after: /The router lost the mapping at \d\d:\d\d; podhost restored it at \d\d:\d\d\.$/ },
  { name: "IGD v2, lease file kept", router: { leaseFile: true }, after: /The router stopped answering at \d\d:\d\d and answered again at \d\d:\d\d, still holding the mapping\.$/ },
  { name: "NAT-PMP, leases lost", router: { upnp: false }, after: /The router restarted at \d\d:\d\d \(its NAT-PMP clock went back\); podhost mapped the port again at \d\d:\d\d\.$/ },
  { name: "NAT-PMP, lease file kept", router: { upnp: false, leaseFile: true }, after: /The router restarted at \d\d:\d\d \(its NAT-PMP clock went back\); podhost mapped the port again at \d\d:\d\d\.$/ },
] satisfies { name: string; router: Partial<HomeNetworkOptions>; after: RegExp }[])("a router that restarts ($name)", ({ router, after }) => {
  let home: AgentHome;
  let network: HomeNetwork;
  let agent: PortsAgent;

  beforeAll(async () => {
    home = await startAgentHome(router, { ...proxy, ports: { upnp: true, externalHttpsPort: 9443, discoveryTimeoutMs: 3000 } });
    ({ network, agent } = home);
    await agent.call("serve", { port: proxy.httpsPort });
  });

  afterAll(() => home?.close());

  it("maps the port, and a client on the internet reaches the proxy through it", async () => {
    const status = await agent.call("start");
    expect(status.state, agent.stderr).toBe("mapped");
    expect(status.message).toMatch(/\(read back from the router at \d\d:\d\d\)/);
    expect(await network.connectFromInternet(network.wanAddress, 9443)).toBe("podhost-proxy");
  });

  it("notices the restart by the next read-back (30 s) at the latest, maps again, and says when it lost and got back the mapping", async () => {
    // A NAT-PMP router tells a restart only by its uptime (epoch) going back: one restarted within a
    // second or two of the last answer can't be told from one that kept running. Real reboots take longer.
    await waitFor("the router to have run for 3 s", () => Date.now() - network.routerStartedAt >= 3000);
    await network.stopRouter();
    await network.startRouter();
    const status = await agent.call("advance", { ms: checkMs });
    expect(status.state, agent.stderr).toBe("mapped");
    expect(status.message).toMatch(after);
    expect(status.interruption?.restoredAt).toBeGreaterThanOrEqual(status.interruption!.at);
    expect(await network.connectFromInternet(network.wanAddress, 9443)).toBe("podhost-proxy");
  });

  it("says since when, and claims nothing mapped, while the router does not answer", async () => {
    await network.stopRouter();
    const status = await agent.call("advance", { ms: checkMs });
    expect(status.state).toBe("failed");
    expect(status.message).toMatch(/^The router (stopped answering|restarted) at \d\d:\d\d/);
    expect(await network.connectFromInternet(network.wanAddress, 9443)).not.toBe("podhost-proxy");
    await network.startRouter();
    expect((await agent.call("advance", { ms: checkMs })).state).toBe("mapped");
  });
});

describe("a UPnP router that announces its restart (SSDP NOTIFY ssdp:alive)", () => {
  let home: AgentHome;
  beforeAll(async () => {
    home = await startAgentHome({}, { ...proxy, ports: { upnp: true, externalHttpsPort: 9443, discoveryTimeoutMs: 3000 } });
    await home.agent.call("serve", { port: proxy.httpsPort });
  });
  afterAll(() => home?.close());

  it("checks the mappings as soon as the router announces itself at a new address, without waiting for the next read-back", async () => {
    expect((await home.agent.call("start")).state, home.agent.stderr).toBe("mapped");
    await home.network.stopRouter();
    await home.network.startRouter();
    // The clock does not move: only the announcement can start the check.
    const status = await waitFor("the mapping restored after the announcement", async () => {
      const now = await home.agent.call("status");
      return now.interruption?.restoredAt ? now : undefined;
    });
    expect(status.message).toMatch(/The router lost the mapping at \d\d:\d\d; podhost restored it at \d\d:\d\d\.$/);
    expect(home.agent.stderr).toMatch(/the router announced itself at http:\/\/192\.168\.77\.1:\d+\/rootDesc\.xml .*it restarted/);
    expect(await home.network.connectFromInternet(home.network.wanAddress, 9443)).toBe("podhost-proxy");
  });
});
