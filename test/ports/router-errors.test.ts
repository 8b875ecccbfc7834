import { readFile, writeFile, mkdir } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createPortsService, type PortsService } from "../../main/ports";
import { LogBus } from "../../main/log";
import { settingsSchema } from "../../shared/settings";
import type { PortsSettings } from "../../shared/ports";
import { tempDir } from "../helpers/temp";
import { ManualClock } from "../net/manual-clock";
import { ScriptedIgd } from "./scripted-igd";

const proxy = { httpsPort: 8443, httpPort: 8080 };

describe("router replies a real router will not give on demand (scripted IGD)", () => {
  let igd: ScriptedIgd;
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let clock: ManualClock;
  let logs: LogBus;
  const services: PortsService[] = [];

  const startService = async (ports: Partial<PortsSettings> = {}) => {
    const service = createPortsService({
      ctx: { dataDir: dir.path, log: logs.logger("ports"), clock },
      proxyListeners: () => proxy,
      network: { interfaces: () => [{ name: "lo", address: "127.0.0.1", netmask: "255.0.0.0" }], ssdpTarget: { address: "127.0.0.1", port: igd.ssdpPort }, natPmpGateways: async () => [] },
    });
    services.push(service);
    await service.configure(settingsSchema.parse({ domain: "pod.example.org", ports: { upnp: true, externalHttpsPort: 9443, discoveryTimeoutMs: 1000, ...ports } }));
    await service.start();
    await service.settled();
    return service;
  };

  const useIgd = async (version: 1 | 2) => {
    await igd.close();
    igd = new ScriptedIgd(version);
    await igd.start();
  };

  beforeEach(async () => {
    dir = await tempDir();
    clock = new ManualClock();
    logs = new LogBus();
    igd = new ScriptedIgd(2);
    await igd.start();
  });

  afterEach(async () => {
    for (const service of services.splice(0)) await service.stop();
    await igd.close();
    await dir.cleanup();
  });

  it("on an IGD v1 router whose wanted port is taken (718), says so and keeps no other port: the pod's address names this one", async () => {
    await useIgd(1);
    igd.mappings.set(9443, { externalPort: 9443, internalClient: "127.0.0.9", internalPort: 80, description: "game console", leaseSeconds: 0 });
    const service = await startService();
    expect(service.status()).toMatchObject({ state: "failed", message: "The router will not forward external port 9443 to this PC: it offered port 9444 instead. The pod's address https://pod.example.org:9443/ uses port 9443, so visitors would find a closed port." });
    expect(service.status().action?.label).toBe("Allow port 9443 for this PC in the router's UPnP/NAT-PMP settings (many routers refuse ports below 1024), or forward port 9443 to 127.0.0.1:8443 by hand in the router's settings.");
    expect([...igd.mappings.keys()]).toEqual([9443]);
    expect(igd.mappings.get(9443)?.description).toBe("game console");
  });

  it("on an IGD v2 router, learns the free port from AddAnyPortMapping, gives it back and reports the wanted port as not forwarded", async () => {
    igd.mappings.set(9443, { externalPort: 9443, internalClient: "127.0.0.9", internalPort: 80, description: "game console", leaseSeconds: 0 });
    const service = await startService();
    expect(service.status()).toMatchObject({ state: "failed" });
    expect(service.status().message).toMatch(/^The router will not forward external port 9443 to this PC: it offered port 9444 instead\./);
    expect(igd.callsOf("AddAnyPortMapping")).toHaveLength(1);
    expect(igd.callsOf("DeletePortMapping").map((c) => c.args.NewExternalPort)).toEqual(["9444"]);
    expect(service.status().mappings).toBeUndefined();
  });

  it("reads the mapping back every check interval: a mapping the router forgot is noticed and restored, with both times in the status", async () => {
    const service = await startService();
    expect(service.status().checkedAt).toBeLessThanOrEqual(clock.now());
    expect(service.status().message).toMatch(/^The router forwards port 9443 to 127\.0\.0\.1:8443 \(read back from the router at \d\d:\d\d\); its internet address is 45\.77\.10\.2\.$/);
    igd.mappings.clear();
    clock.advance(30_000);
    await service.settled();
    const status = service.status();
    expect(status).toMatchObject({ state: "mapped", interruption: { what: "lost" } });
    expect(status.interruption!.restoredAt).toBeGreaterThanOrEqual(status.interruption!.at);
    expect(status.message).toMatch(/The router lost the mapping at \d\d:\d\d; podhost restored it at \d\d:\d\d\.$/);
    expect(igd.mappings.get(9443)).toMatchObject({ internalPort: 8443, description: "podhost https" });
  });

  it("says since when the router stopped answering while it is away, and looks again every check interval", async () => {
    const service = await startService();
    await igd.stopHttp();
    clock.advance(30_000);
    await service.settled();
    expect(service.status()).toMatchObject({ state: "failed", interruption: { what: "unreachable" } });
    expect(service.status().message).toMatch(/^The router stopped answering at \d\d:\d\d \(restarting\?\), so the pod is probably unreachable from the internet; podhost looks for it every 30 s\.$/);
    igd.mappings.clear();
    await igd.start();
    clock.advance(30_000);
    await service.settled();
    expect(service.status()).toMatchObject({ state: "mapped", interruption: { what: "lost" } });
    expect(service.status().message).toMatch(/The router lost the mapping at \d\d:\d\d; podhost restored it at \d\d:\d\d\.$/);
  });

  it("retries with a permanent lease when the router only takes those (725) and deletes it on stop", async () => {
    igd.script = ({ action, args }) => (action === "AddPortMapping" && args.NewLeaseDuration !== "0" ? 725 : undefined);
    const service = await startService();
    expect(service.status().mappings?.[0]).toMatchObject({ externalPort: 9443, leaseSeconds: 0 });
    expect(igd.mappings.get(9443)?.leaseSeconds).toBe(0);
    await service.stop();
    expect(igd.mappings.size).toBe(0);
  });

  it("stops and tells the user when the router does not authorise the mapping (606)", async () => {
    igd.script = ({ action }) => (action === "AddPortMapping" ? 606 : undefined);
    const service = await startService();
    const status = service.status();
    expect(status.state).toBe("unsupported");
    expect(status.message).toMatch(/refused to open the port.*606/);
    expect(status.action?.label).toBe("Allow UPnP port mapping for this PC in the router's settings, or forward port 9443 to 127.0.0.1:8443 by hand in the router's settings.");
    expect(igd.callsOf("AddPortMapping")).toHaveLength(1);
  });

  it("treats 'no such entry' (714) on delete as already removed", async () => {
    const service = await startService();
    expect(service.status().state).toBe("mapped");
    igd.script = ({ action }) => (action === "DeletePortMapping" ? 714 : undefined);
    await service.stop();
    expect(service.status().state).toBe("off");
    expect(JSON.parse(await readFile(join(dir.path, "ports", "journal.json"), "utf8"))).toEqual({ mappings: [] });
    expect(logs.tail(50).filter((l) => l.level === "warn")).toEqual([]);
  });

  it("reports a full mapping table (728) once, without looping", async () => {
    igd.script = ({ action }) => (action === "AddPortMapping" ? 728 : undefined);
    const service = await startService();
    expect(service.status()).toMatchObject({ state: "failed" });
    expect(service.status().message).toMatch(/table of port mappings is full.*728/);
    expect(service.status().action?.label).toMatch(/^Remove port forwardings you no longer use/);
    expect(igd.callsOf("AddPortMapping")).toHaveLength(1);
  });

  it("reports a clash with other mechanisms (729) once", async () => {
    igd.script = ({ action }) => (action === "AddPortMapping" ? 729 : undefined);
    const service = await startService();
    expect(service.status().message).toMatch(/clashes with another forwarding rule.*729/);
    expect(igd.callsOf("AddPortMapping")).toHaveLength(1);
  });

  it("explains carrier-grade NAT (100.64.0.0/10) and maps nothing", async () => {
    igd.externalIp = "100.72.4.9";
    const service = await startService();
    expect(service.status()).toMatchObject({ state: "unsupported", natType: "cgnat", externalIp: "100.72.4.9" });
    expect(service.status().message).toMatch(/carrier-grade NAT/);
    expect(service.status().action?.label).toMatch(/Ask your provider for a public IPv4 address/);
    expect(await service.router.externalIp()).toBeUndefined();
    expect(igd.callsOf("AddPortMapping")).toHaveLength(0);
  });

  it("explains double NAT when the router's WAN address is private", async () => {
    igd.externalIp = "192.168.0.20";
    const service = await startService();
    expect(service.status()).toMatchObject({ state: "unsupported", natType: "double-nat" });
    expect(service.status().message).toMatch(/another router sits between it and the internet \(double NAT\)/);
  });

  it("fails when the mapping read back points somewhere else", async () => {
    igd.script = ({ action }) => {
      if (action === "GetSpecificPortMappingEntry") igd.mappings.get(9443)!.internalClient = "127.0.0.7";
      return undefined;
    };
    const service = await startService();
    expect(service.status().state).toBe("failed");
    expect(service.status().message).toMatch(/lists external port 9443 for 127\.0\.0\.7:8443, not for this PC/);
  });

  it("removes only podhost's own mappings left in the journal", async () => {
    await mkdir(join(dir.path, "ports"), { recursive: true });
    const stale = (externalPort: number) => ({ purpose: "https", externalPort, internalPort: 8443, internalClient: "127.0.0.1" });
    await writeFile(join(dir.path, "ports", "journal.json"), JSON.stringify({ mappings: [stale(7001), stale(7002)] }));
    igd.mappings.set(7001, { externalPort: 7001, internalClient: "127.0.0.1", internalPort: 8443, description: "podhost https", leaseSeconds: 3600 });
    igd.mappings.set(7002, { externalPort: 7002, internalClient: "127.0.0.1", internalPort: 8443, description: "someone else", leaseSeconds: 3600 });
    await startService();
    expect(igd.mappings.has(7001)).toBe(false);
    expect(igd.mappings.get(7002)?.description).toBe("someone else");
  });

  it("after a crash, says what the old mapping may still forward while the router cannot be reached, instead of 'not touched'", async () => {
    await mkdir(join(dir.path, "ports"), { recursive: true });
    await writeFile(join(dir.path, "ports", "journal.json"), JSON.stringify({ mappings: [{ purpose: "https", externalPort: 7001, internalPort: 8443, internalClient: "127.0.0.1" }] }));
    await igd.stopHttp();
    const service = await startService({ upnp: false });
    expect(service.status()).toMatchObject({ state: "off", leftovers: [{ externalPort: 7001, internalClient: "127.0.0.1", internalPort: 8443 }] });
    expect(service.status().message).toBe(
      "An earlier podhost run did not stop cleanly: the router may still forward port 7001 to 127.0.0.1:8443 until its lease ends. podhost removes it as soon as it reaches the router. Opening ports on the router is off. Turn on Settings > Network > \"Open ports on my router automatically\" to let podhost open the pod's port.",
    );
  });

  it("still closes the ports a crashed run opened when the user has since turned port mapping off", async () => {
    await mkdir(join(dir.path, "ports"), { recursive: true });
    await writeFile(join(dir.path, "ports", "journal.json"), JSON.stringify({ mappings: [{ purpose: "https", externalPort: 7001, internalPort: 8443, internalClient: "127.0.0.1" }] }));
    igd.mappings.set(7001, { externalPort: 7001, internalClient: "127.0.0.1", internalPort: 8443, description: "podhost https", leaseSeconds: 3600 });
    const service = await startService({ upnp: false });
    expect(service.status().state).toBe("off");
    expect(igd.mappings.size).toBe(0);
  });

  it("finds the router again when it refuses connections at renewal, and re-adds the mapping", async () => {
    const service = await startService();
    await igd.stopHttp();
    igd.mappings.clear();
    await igd.start();
    clock.advance(1800_000);
    await service.settled();
    expect(service.status().state).toBe("mapped");
    expect(igd.mappings.get(9443)).toMatchObject({ internalPort: 8443, description: "podhost https" });
  });

  it("maps HTTP too when asked, and never anything but the proxy's ports", async () => {
    await startService({ mapHttp: true, externalHttpPort: 9080 });
    expect([...igd.mappings.values()].map((m) => [m.externalPort, m.internalPort, m.description])).toEqual([
      [9443, 8443, "podhost https"],
      [9080, 8080, "podhost http"],
    ]);
  });
});
