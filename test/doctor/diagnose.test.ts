import { describe, expect, it } from "vitest";
import { diagnose, type DoctorFacts, type DoctorProbes } from "../../main/doctor";
import type { Hop } from "../../shared/doctor";
import type { CertsStatus } from "../../shared/certs";
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
  mappings: [
    { purpose: "https", protocol: "TCP", externalPort: 443, internalClient: "192.168.77.2", internalPort: 8443, leaseSeconds: 3600, leaseLeftSeconds: 3000 },
    { purpose: "http", protocol: "TCP", externalPort: 80, internalClient: "192.168.77.2", internalPort: 8080, leaseSeconds: 3600, leaseLeftSeconds: 3000 },
  ],
  checkedAt: now - 20_000,
};

const publicCert: CertsStatus = { state: "valid", message: "A certificate from Pebble Intermediate, valid until 2027-02-20.", mode: "acme" };

const healthy: DoctorFacts = {
  domain,
  httpsPort: 8443,
  httpPort: 8080,
  externalHttpsPort: 443,
  externalHttpPort: 80,
  upnp: true,
  mapHttp: true,
  certsMode: "acme",
  challenge: "http-01",
  pod: { state: "running", message: "The pod answers its health check." },
  proxy: { state: "running", message: "The proxy listens on 8443 and 8080." },
  ports: mappedPorts,
  certs: publicCert,
  dns: { state: "published", message: "pod.example.org points to 45.77.10.2.", history: [] },
};

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
      ["http", "ok"],
      ["pc", "ok"],
      ["proxy", "ok"],
      ["certificate", "ok"],
      ["pod", "ok"],
    ]);
    expect(report).toMatchObject({ ok: true, summary: "Every hop from the internet to the pod works.", checkedAt: now });
    expect(report.hops[2]!.reason).toMatch(/^The router \(192\.168\.77\.1\) forwards port 443 to 192\.168\.77\.2:8443 \(lease renewed automatically, 50 min left, read back from the router at \d\d:\d\d\)\.$/);
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
    expect(selfSigned.fix).toBe("See the Certificate hop: the public certificate is not served yet.");
    const local = await hopOf({ certsMode: "local" }, { proxyCertificate: async () => ({ answered: true, names: [domain], validTo: now + 86400_000, trusted: false }) }, "proxy");
    expect(local.fix).toMatch(/^Get a publicly trusted certificate: Settings > Certificates \(certs\.mode acme/);
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
    expect(report.hops.find((h) => h.id === "router")!.state).toBe("warn");
    expect(report.summary).toMatch(/^Internet: /);
    expect(internet.fix).not.toMatch(/forward the port on that outer router to this router as well/);
  });

  it("explains carrier-grade NAT on the internet hop", async () => {
    const ports: PortsStatus = { state: "unsupported", message: "x", natType: "cgnat", externalIp: "100.72.4.9", router: mappedPorts.router! };
    const internet = await hopOf({ ports }, {}, "internet");
    expect(internet.state).toBe("fail");
    expect(internet.reason).toMatch(/100\.72\.4\.9.*carrier-grade NAT/);
    expect(internet.fix).toMatch(/Ask your provider for a public IPv4 address/);
  });

  it("fails the DNS hop when the domain points elsewhere or nowhere", async () => {
    const elsewhere = await hopOf({}, { resolve: async () => ["81.2.69.160"] }, "dns");
    expect(elsewhere).toMatchObject({ state: "fail", reason: `${domain} points to 81.2.69.160, but your public address is ${publicIp} (from the router).` });
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
    expect(report).toMatchObject({ ok: true, summary: "Nothing is broken, with notes: see the hops marked note or not checked." });
  });

  it("sums up with the failing hop nearest the pod", async () => {
    const report = await diagnose({ ...healthy, pod: { state: "stopped", message: "The pod is stopped." } }, { ...healthyProbes, resolve: async () => [] });
    expect(report.ok).toBe(false);
    expect(report.summary).toBe("Pod: The pod is stopped.");
  });

  it("names carrier-grade NAT and private addresses the name resolves to, instead of 'cannot tell'", async () => {
    const unknownPublic: Partial<DoctorFacts> = { upnp: false, ports: { state: "off", message: "off" }, dns: { state: "off", message: "off", history: [] } };
    const cgnat = await hopOf(unknownPublic, { resolve: async () => ["100.72.4.9"] }, "dns");
    expect(cgnat).toMatchObject({ state: "fail", reason: `${domain} resolves to 100.72.4.9, in the shared range of carrier-grade NAT (100.64.0.0/10): that is the inside of your provider's carrier-grade NAT (many customers share one public address), not an address anyone on the internet can reach.` });
    expect(cgnat.fix).toMatch(/^Ask your provider for a public IPv4 address/);
    const inner = await hopOf(unknownPublic, { resolve: async () => ["10.20.0.2"] }, "dns");
    expect(inner.reason).toMatch(/10\.20\.0\.2, in a private range \(10\.0\.0\.0\/8\): a private address/);
  });

  it("does not call a documentation-range address (192.0.2.0/24) this PC's home network address", async () => {
    const pc = await hopOf({ ports: { state: "off", message: "off" } }, { lanAddresses: () => ["192.0.2.2"] }, "pc");
    expect(pc).toMatchObject({ state: "warn", reason: "This PC's address 192.0.2.2 is in a documentation range (TEST-NET-1) (192.0.2.0/24): no real home network or provider hands out such addresses." });
  });

  it("takes the public address dynamic DNS detected when podhost does not manage the router", async () => {
    const dns: DoctorFacts["dns"] = { state: "published", message: "ok", history: [], detected: { ipv4: "81.2.69.160", source: "api.ipify.org" } };
    const hop = await hopOf({ upnp: false, ports: { state: "off", message: "off" }, dns }, { resolve: async () => ["81.2.69.160"] }, "dns");
    expect(hop).toMatchObject({ state: "ok", reason: `${domain} resolves to 81.2.69.160, your public address (from api.ipify.org).` });
  });

  it("fails the port-80 hop with the certificate authority's words when HTTP-01 could not reach it, and the certificate hop too", async () => {
    const certs: CertsStatus = {
      state: "failed",
      message: "Getting the certificate failed.",
      mode: "acme",
      lastError: { code: "http-01-failed", message: "Port 80 is not reachable from the internet for pod.example.org: there was no answer (a firewall or the router drops the connection).", fix: "Check that your router forwards port 80 to this computer.", at: now },
    };
    const report = await diagnose({ ...healthy, certs }, healthyProbes);
    expect(report.hops.find((h) => h.id === "http")).toMatchObject({ state: "fail", reason: `The certificate authority could not reach port 80: ${certs.lastError!.message}` });
    expect(report.hops.find((h) => h.id === "certificate")).toMatchObject({ state: "fail", reason: certs.lastError!.message });
    expect(report.ok).toBe(false);
  });

  it("fails the port-80 hop when HTTP-01 is chosen but podhost does not open port 80", async () => {
    const hop = await hopOf({ mapHttp: false }, {}, "http");
    expect(hop).toMatchObject({ state: "fail", reason: "HTTP-01 validation needs port 80, but podhost does not open it (ports.mapHttp is off)." });
  });

  it("fails the router and port-80 hops when the router moved port 80 elsewhere", async () => {
    const ports: PortsStatus = { state: "failed", message: "The router will not forward external port 80 to this PC: it offered port 8080 instead.", action: { label: "Allow port 80." }, natType: "public", externalIp: publicIp, router: mappedPorts.router! };
    const report = await diagnose({ ...healthy, ports }, healthyProbes);
    expect(report.hops.find((h) => h.id === "http")).toMatchObject({ state: "fail", reason: ports.message });
    expect(report.hops.find((h) => h.id === "router")).toMatchObject({ state: "fail", reason: ports.message });
  });

  it("maps any error state of the certificate service to a broken certificate hop, e.g. one that expired", async () => {
    const certs = { state: "expired", message: "The certificate expired on 2026-11-20 and renewing it failed.", mode: "acme", action: { label: "See Settings > Certificates." } } as unknown as CertsStatus;
    const hop = await hopOf({ certs }, {}, "certificate");
    expect(hop).toMatchObject({ state: "fail", reason: certs.message, fix: "See Settings > Certificates." });
  });

  it("is never 'ok' while a service reports an error, even when every hop passed", async () => {
    const report = await diagnose({ ...healthy, dns: { state: "failed", message: "The provider answered badauth.", history: [] } }, healthyProbes);
    expect(report.ok).toBe(false);
    expect(report.hops.find((h) => h.id === "dns")!.state).toBe("fail");
    const quiet = await diagnose({ ...healthy, proxy: { state: "failed", message: "Port 8080 is taken." } }, healthyProbes);
    expect(quiet).toMatchObject({ ok: false, summary: "Proxy: Port 8080 is taken." });
  });
});
