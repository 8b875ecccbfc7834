import { describe, expect, it } from "vitest";
import { diagnose, type DoctorFacts, type DoctorProbes } from "../../main/doctor";
import type { Hop } from "../../shared/doctor";
import type { PortsStatus } from "../../shared/ports";

const now = Date.parse("2026-11-22T12:00:00Z");
const domain = "pod.example.org";
const publicIp = "45.77.10.2";

const mappedPorts: PortsStatus = {
  state: "mapped",
  message: "The router forwards port 443 to 192.168.77.2:8443.",
  natType: "public",
  externalIp: publicIp,
  router: { kind: "upnp-igd2", address: "192.168.77.1", lanAddress: "192.168.77.2" },
  mappings: [{ purpose: "https", protocol: "TCP", externalPort: 443, internalClient: "192.168.77.2", internalPort: 8443, leaseSeconds: 3600, leaseLeftSeconds: 3000 }],
};

const healthy: DoctorFacts = { domain, httpsPort: 8443, externalHttpsPort: 443, upnp: true, pod: { state: "running", message: "The pod answers its health check." }, ports: mappedPorts };

const healthyProbes: DoctorProbes = {
  proxyCertificate: async () => ({ answered: true, names: [domain], validTo: now + 30 * 86400_000, trusted: true }),
  lanAddresses: () => ["192.168.77.2"],
  resolve: async () => [publicIp],
  hairpin: async () => true,
  now: () => now,
};

const hopOf = async (facts: Partial<DoctorFacts>, probes: Partial<DoctorProbes>, id: Hop["id"]) => {
  const report = await diagnose({ ...healthy, ...facts }, { ...healthyProbes, ...probes });
  return report.hops.find((h) => h.id === id)!;
};

describe("doctor: each hop from the internet to the pod", () => {
  it("reports every hop green, in path order, when everything works", async () => {
    const report = await diagnose(healthy, healthyProbes);
    expect(report.hops.map((h) => [h.id, h.state])).toEqual([
      ["internet", "ok"],
      ["dns", "ok"],
      ["router", "ok"],
      ["pc", "ok"],
      ["proxy", "ok"],
      ["pod", "ok"],
    ]);
    expect(report).toMatchObject({ ok: true, summary: "Every hop from the internet to the pod works.", checkedAt: now });
    expect(report.hops[2]!.reason).toBe("The router (192.168.77.1) forwards port 443 to 192.168.77.2:8443 (lease renewed automatically, 50 min left).");
  });

  it("fails the pod hop with the pod's own next step", async () => {
    const hop = await hopOf({ pod: { state: "crashed", message: "The pod crashed 3 times in a minute.", action: { label: "Look at Logs, then start it again." } } }, {}, "pod");
    expect(hop).toMatchObject({ state: "fail", reason: "The pod crashed 3 times in a minute.", fix: "Look at Logs, then start it again." });
  });

  it("fails the proxy hop when nothing answers locally", async () => {
    const hop = await hopOf({}, { proxyCertificate: async () => ({ answered: false, error: "connection refused" }) }, "proxy");
    expect(hop.state).toBe("fail");
    expect(hop.reason).toBe("Nothing answers HTTPS on port 8443 of this PC (connection refused).");
    expect(hop.fix).toMatch(/proxy\.httpsPort/);
  });

  it("fails the proxy hop when the certificate is for another name, and says how to get the right one", async () => {
    const hop = await hopOf({}, { proxyCertificate: async () => ({ answered: true, names: ["localhost"], validTo: now + 86400_000, trusted: false }) }, "proxy");
    expect(hop).toMatchObject({ state: "fail", reason: "The proxy answers with a certificate for localhost, not for pod.example.org.", fix: "Get a certificate for pod.example.org: Settings > Certificates." });
  });

  it("fails the proxy hop on an expired certificate and warns on an untrusted one", async () => {
    const expired = await hopOf({}, { proxyCertificate: async () => ({ answered: true, names: [domain], validTo: now - 1000, trusted: true }) }, "proxy");
    expect(expired).toMatchObject({ state: "fail", fix: "Renew it: Settings > Certificates." });
    const selfSigned = await hopOf({}, { proxyCertificate: async () => ({ answered: true, names: ["*.example.org"], validTo: now + 86400_000, trusted: false }) }, "proxy");
    expect(selfSigned.state).toBe("warn");
    expect(selfSigned.fix).toMatch(/Let's Encrypt/);
  });

  it("fails the PC hop without a home network address", async () => {
    const hop = await hopOf({ ports: { ...mappedPorts, router: undefined } }, { lanAddresses: () => [] }, "pc");
    expect(hop).toMatchObject({ state: "fail", fix: "Connect this PC to the router (cable or Wi-Fi)." });
  });

  it("fails the router hop with the ports service's reason and fix when no router answered", async () => {
    const ports: PortsStatus = { state: "unsupported", message: "No router answered UPnP or NAT-PMP within 5 s.", action: { label: "Turn on UPnP in the router's settings." } };
    const hop = await hopOf({ ports }, {}, "router");
    expect(hop).toMatchObject({ state: "fail", reason: "No router answered UPnP or NAT-PMP within 5 s.", fix: "Turn on UPnP in the router's settings." });
  });

  it("warns on the router hop when podhost does not manage the router, with the forwarding to make by hand", async () => {
    const hop = await hopOf({ upnp: false, ports: { state: "off", message: "off" } }, {}, "router");
    expect(hop.state).toBe("warn");
    expect(hop.fix).toMatch(/forward port 443 to this PC:8443/);
  });

  it("explains double NAT on the internet hop, with what to do instead", async () => {
    const ports: PortsStatus = { state: "unsupported", message: "x", natType: "double-nat", externalIp: "10.20.0.2", router: mappedPorts.router! };
    const report = await diagnose({ ...healthy, ports }, healthyProbes);
    const internet = report.hops[0]!;
    expect(internet).toMatchObject({ id: "internet", state: "fail" });
    expect(internet.reason).toMatch(/10\.20\.0\.2.*double NAT/);
    expect(internet.fix).toMatch(/bridge mode/);
    expect(report.hops.find((h) => h.id === "router")!.state).toBe("ok");
    expect(report.summary).toMatch(/^Internet: /);
  });

  it("explains carrier-grade NAT on the internet hop", async () => {
    const ports: PortsStatus = { state: "unsupported", message: "x", natType: "cgnat", externalIp: "100.72.4.9", router: mappedPorts.router! };
    const internet = await hopOf({ ports }, {}, "internet");
    expect(internet.state).toBe("fail");
    expect(internet.reason).toMatch(/100\.72\.4\.9.*carrier-grade NAT/);
    expect(internet.fix).toMatch(/Ask your provider for a public IPv4 address/);
  });

  it("fails the DNS hop when the domain points elsewhere or nowhere", async () => {
    const elsewhere = await hopOf({}, { resolve: async () => ["203.0.113.9"] }, "dns");
    expect(elsewhere).toMatchObject({ state: "fail", reason: `${domain} points to 203.0.113.9, but your public address is ${publicIp}.` });
    expect(elsewhere.fix).toMatch(/Change the A record for pod\.example\.org to 45\.77\.10\.2/);
    const nowhere = await hopOf({}, { resolve: async () => [] }, "dns");
    expect(nowhere.fix).toMatch(/Create an A record for pod\.example\.org pointing at 45\.77\.10\.2/);
    const unset = await hopOf({ domain: "" }, {}, "dns");
    expect(unset).toMatchObject({ state: "fail", fix: "Set the pod's domain in Settings > Pod." });
  });

  it("notes, without failing, a router that does not support hairpin NAT", async () => {
    const report = await diagnose(healthy, { ...healthyProbes, hairpin: async () => false });
    expect(report.hops[0]).toMatchObject({ id: "internet", state: "warn", fix: "Test from outside: open https://pod.example.org/ on a phone using mobile data." });
    expect(report.hops[0]!.reason).toMatch(/hairpin NAT/);
    expect(report).toMatchObject({ ok: true, summary: "The path works, with notes." });
  });

  it("sums up with the failing hop nearest the pod", async () => {
    const report = await diagnose({ ...healthy, pod: { state: "stopped", message: "The pod is stopped." } }, { ...healthyProbes, resolve: async () => [] });
    expect(report.ok).toBe(false);
    expect(report.summary).toBe("Pod: The pod is stopped.");
  });
});
