import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DoctorReport } from "../../shared/doctor";
import { tempDir } from "../helpers/temp";
import { requireTool } from "../helpers/tools";
import { PortsAgent } from "../net/agent-client";
import { homeAddress, HomeNetwork } from "../net/harness";

const proxy = { httpsPort: 8443, httpPort: 8080 };
const halfLease = 1800_000;

describe("port mapping against a real miniupnpd (IGD v2, default rules)", () => {
  let network: HomeNetwork;
  let dir: Awaited<ReturnType<typeof tempDir>>;
  const agents: PortsAgent[] = [];

  const startAgent = async (dataDir: string, externalHttpsPort: number) => {
    const agent = await PortsAgent.start(network, { dataDir, ...proxy, ports: { upnp: true, externalHttpsPort, discoveryTimeoutMs: 3000 } });
    agents.push(agent);
    return agent;
  };

  beforeAll(async () => {
    dir = await tempDir();
    network = await HomeNetwork.create({ dir: dir.path });
  });

  afterAll(async () => {
    for (const agent of agents) await agent.kill();
    await network?.teardown();
    await dir?.cleanup();
  });

  let agent: PortsAgent;

  it("discovers the router, maps the HTTPS port to the proxy and reads it back", async () => {
    agent = await startAgent(`${dir.path}/main`, 9443);
    const status = await agent.call("start");
    expect(status).toMatchObject({ state: "mapped", natType: "public", externalIp: network.wanAddress, router: { kind: "upnp-igd2", lanAddress: homeAddress } });
    expect(status.mappings).toEqual([expect.objectContaining({ purpose: "https", externalPort: 9443, internalClient: homeAddress, internalPort: 8443, leaseSeconds: 3600 })]);
    expect(await network.upnpcList()).toContainEqual({ externalPort: 9443, internalClient: homeAddress, internalPort: 8443, description: "podhost https" });
  });

  it("lets a connection from the internet side reach the proxy through the mapping", async () => {
    await agent.call("serve", { port: proxy.httpsPort });
    expect(await network.connectFromInternet(network.wanAddress, 9443)).toBe("podhost-proxy");
  });

  it("gives the router's public WAN address to dynamic DNS", async () => {
    expect(await agent.call("externalIp")).toBe(network.wanAddress);
  });

  it("runs the doctor from inside the home network: router and DNS fine, hairpin not supported by this router", async () => {
    const report = await agent.call<DoctorReport>("doctor", { domain: "pod.example.org", resolvesTo: [network.wanAddress] });
    const state = Object.fromEntries(report.hops.map((h) => [h.id, h.state]));
    expect(state).toMatchObject({ internet: "warn", dns: "ok", router: "ok", pc: "ok" });
    expect(report.hops.find((h) => h.id === "router")!.reason).toMatch(/^The router \(192\.168\.77\.1\) forwards port 9443 to 192\.168\.77\.2:8443/);
    expect(report.hops.find((h) => h.id === "internet")!.reason).toMatch(/hairpin NAT/);
  });

  it("reads the mapping back every 30 s: one deleted behind podhost's back is noticed and comes back", async () => {
    const upnpc = requireTool("upnpc", ["/usr/bin/upnpc"]);
    await network.exec(network.home, upnpc, ["-u", network.rootDescUrl, "-d", "9443", "TCP"]);
    expect((await network.upnpcList()).map((m) => m.externalPort)).not.toContain(9443);
    const status = await agent.call("advance", { ms: 30_000 });
    expect(status).toMatchObject({ state: "mapped", interruption: { what: "lost" } });
    expect(await network.upnpcList()).toContainEqual({ externalPort: 9443, internalClient: homeAddress, internalPort: 8443, description: "podhost https" });
  });

  it("renews the lease at half-life", async () => {
    await agent.call("advance", { ms: halfLease });
    const status = await agent.call("advance", { ms: 0 });
    expect(status.state).toBe("mapped");
    expect(status.mappings?.[0]?.leaseLeftSeconds).toBeGreaterThan(3500);
  });

  it("finds the router again after it restarted and re-adds the mapping", async () => {
    await network.stopRouter();
    await network.startRouter();
    // Its ssdp:alive, or else the next read-back, tells podhost; either way the mapping comes back.
    const status = await agent.call("advance", { ms: 30_000 });
    expect(status).toMatchObject({ state: "mapped", interruption: { what: "lost" } });
    expect(await network.upnpcList()).toContainEqual({ externalPort: 9443, internalClient: homeAddress, internalPort: 8443, description: "podhost https" });
    expect(agent.stderr).toMatch(/the router no longer holds the port mappings/);
  });

  it("removes its mappings on stop and leaves other programs' mappings alone", async () => {
    const upnpc = requireTool("upnpc", ["/usr/bin/upnpc"]);
    await network.exec(network.home, upnpc, ["-u", network.rootDescUrl, "-e", "someone else", "-a", homeAddress, "7000", "7000", "TCP"]);
    const status = await agent.call("stop");
    expect(status.state).toBe("off");
    const left = await network.upnpcList();
    expect(left.filter((m) => m.description.startsWith("podhost"))).toEqual([]);
    expect(left).toContainEqual(expect.objectContaining({ externalPort: 7000, description: "someone else" }));
  });

  it("removes the mappings a killed podhost left behind at the next start", async () => {
    const crashed = await startAgent(`${dir.path}/crash`, 9500);
    expect((await crashed.call("start")).state).toBe("mapped");
    await crashed.kill();
    expect((await network.upnpcList()).map((m) => m.externalPort)).toContain(9500);

    const next = await startAgent(`${dir.path}/crash`, 9501);
    // Before any start: the crashed run's mapping is found in the journal, named, and removed.
    expect((await next.call("advance", { ms: 0 })).message).toMatch(/^podhost removed what an earlier run left on the router \(port 9500 to 192\.168\.77\.2:8443\) at \d\d:\d\d\./);
    expect((await next.call("start")).state).toBe("mapped");
    const ports = (await network.upnpcList()).map((m) => m.externalPort);
    expect(ports).toContain(9501);
    expect(ports).not.toContain(9500);
    expect(next.stderr).toMatch(/removed external port 9500 left by an earlier run/);
    await next.call("stop");
  });
});
