import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CertsStatus } from "../../shared/certs";
import type { DoctorReport, HopId } from "../../shared/doctor";
import { reachVerdict } from "../../shared/setup";
import { tempDir } from "../helpers/temp";
import { startAgentHome, type AgentHome } from "../net/agent-client";
import type { HomeNetworkOptions } from "../net/harness";
import { makeTestCertificate, type TestCertificate } from "../net/test-ca";

/**
 * The doctor and the setup's last word from inside a home network in namespaces, each claim
 * checked by a client on the internet side: reachable must be reachable, unreachable must be.
 */
const domain = "pod.example.org";
const proxy = { httpsPort: 8443, httpPort: 8080 };
const publicCertificate: CertsStatus = { state: "valid", message: "A certificate from the test root, valid for 2 days.", mode: "acme", certificate: { source: "acme", issuer: "podhost test root", names: [domain], keyType: "ecdsa", notBefore: 0, notAfter: 0 } };
const localCertificate: CertsStatus = { state: "valid", message: "A certificate from podhost's own CA.", mode: "local", certificate: { source: "local", issuer: "podhost local CA", names: [domain], keyType: "ecdsa", notBefore: 0, notAfter: 0 } };

const stateOf = (report: DoctorReport) => Object.fromEntries(report.hops.map((h) => [h.id, h.state])) as Record<HopId, string>;

async function homeWith(options: Omit<HomeNetworkOptions, "dir">, trust: "test-root" | "nothing", ports: { mapHttp?: boolean } = {}): Promise<AgentHome> {
  const certificateDir = await tempDir();
  const certificate: TestCertificate = makeTestCertificate(certificateDir.path, domain);
  const home = await startAgentHome(options, { ...proxy, domain, ports: { upnp: true, externalHttpsPort: 443, discoveryTimeoutMs: 3000, ...ports } }, trust === "test-root" ? { NODE_EXTRA_CA_CERTS: certificate.caFile } : {});
  await home.agent.call("serveTls", { port: proxy.httpsPort, cert: certificate.certFile, key: certificate.keyFile });
  await home.agent.call("serve", { port: proxy.httpPort });
  return { ...home, close: () => home.close().then(() => certificateDir.cleanup()) };
}

describe("a router with hairpin NAT that allows 443 and 80", () => {
  let home: AgentHome;
  beforeAll(async () => {
    home = await homeWith({ allowLowPorts: true, hairpinPorts: [443, 80] }, "test-root", { mapHttp: true });
  });
  afterAll(() => home?.close());

  it("ends the setup with 'on the internet' only with a publicly trusted certificate, and the internet side reaches the pod", async () => {
    const status = await home.agent.call("start");
    expect(status.state, home.agent.stderr).toBe("mapped");
    const report = await home.agent.call<DoctorReport>("doctor", { domain, resolvesTo: [home.network.wanAddress], certs: { mode: "acme", acme: { challenge: "http-01" } }, certsStatus: publicCertificate });
    expect(stateOf(report)).toEqual({ internet: "ok", dns: "ok", router: "ok", http: "ok", pc: "ok", proxy: "ok", certificate: "ok", pod: "ok" });
    expect(report.ok).toBe(true);
    expect(reachVerdict(report, "acme")).toMatchObject({ level: "internet", headline: "Your pod is on the internet" });
    expect(await home.network.tlsFromInternet(home.network.wanAddress, 443, domain)).toBe(`tls:DNS:${domain}`);
  });

  it("with the local CA, says the pod is reachable but other pods will refuse its local certificate", async () => {
    const report = await home.agent.call<DoctorReport>("doctor", { domain, resolvesTo: [home.network.wanAddress], certsStatus: localCertificate });
    expect(stateOf(report)).toMatchObject({ internet: "ok", dns: "ok", certificate: "warn" });
    expect(reachVerdict(report, "local")).toMatchObject({ level: "internet-untrusted", headline: "Your pod is reachable from the internet, but other pods will refuse its local certificate" });
  });

  it("says 'this network only' when the name points elsewhere, however well the router works", async () => {
    const report = await home.agent.call<DoctorReport>("doctor", { domain, resolvesTo: ["81.2.69.160"], certsStatus: publicCertificate });
    expect(reachVerdict(report, "acme")).toMatchObject({ level: "this-network", detail: `DNS name: ${domain} points to 81.2.69.160, but your public address is ${home.network.wanAddress} (from the router).` });
  });
});

describe("port 80 dropped by the provider, with HTTP-01 chosen", () => {
  let home: AgentHome;
  beforeAll(async () => {
    home = await homeWith({ allowLowPorts: true, hairpinPorts: [443, 80], blockedUpstream: [80] }, "test-root", { mapHttp: true });
  });
  afterAll(() => home?.close());

  it("has the doctor call port 80 broken (443 answers through the public address, 80 does not), as the internet side sees it", async () => {
    expect((await home.agent.call("start")).state, home.agent.stderr).toBe("mapped");
    const report = await home.agent.call<DoctorReport>("doctor", { domain, resolvesTo: [home.network.wanAddress], certs: { mode: "acme", acme: { challenge: "http-01" } }, certsStatus: { state: "none", message: "No certificate yet.", mode: "acme" } });
    const http = report.hops.find((h) => h.id === "http")!;
    expect(http.state).toBe("fail");
    expect(http.reason).toMatch(new RegExp(`but ${home.network.wanAddress.replace(/\./g, "\\.")}:80 does not answer while ${home.network.wanAddress.replace(/\./g, "\\.")}:443 does: your provider \\(or a firewall before the router\\) drops port 80\\.$`));
    expect(report.ok).toBe(false);
    expect(await home.network.connectFromInternet(home.network.wanAddress, 80)).toBe("timeout");
    expect(await home.network.tlsFromInternet(home.network.wanAddress, 443, domain)).toBe(`tls:DNS:${domain}`);
  });
});

describe.each([
  { name: "carrier-grade NAT (WAN in 100.64.0.0/10)", wanAddress: "100.72.4.2", dnsReason: /carrier-grade NAT/ },
  { name: "double NAT (WAN in a private range)", wanAddress: "10.20.0.2", dnsReason: /a private address/ },
])("a router behind $name", ({ wanAddress, dnsReason }) => {
  let home: AgentHome;
  beforeAll(async () => {
    home = await homeWith({ wanAddress, allowLowPorts: true }, "test-root");
  });
  afterAll(() => home?.close());

  it("opens nothing, explains why, and ends the setup with 'this network only', which the internet side confirms", async () => {
    const status = await home.agent.call("start");
    // miniupnpd gives out no WAN address that is not public: podhost hears "none".
    expect(status).toMatchObject({ state: "unsupported", natType: "no-public-address" });
    expect(status.message).toMatch(/^Your router says it has no public internet address/);
    const report = await home.agent.call<DoctorReport>("doctor", { domain, resolvesTo: [wanAddress], certsStatus: publicCertificate });
    expect(stateOf(report)).toMatchObject({ internet: "fail", dns: "fail", router: "warn" });
    expect(report.hops.find((h) => h.id === "dns")!.reason).toMatch(dnsReason);
    expect(report.hops.find((h) => h.id === "internet")!.fix).not.toMatch(/to this router as well/);
    expect(reachVerdict(report, "acme")).toMatchObject({ level: "this-network", headline: "Your pod is running, reachable on this network only" });
    expect(await home.network.tlsFromInternet(wanAddress, 443, domain)).toBe("ECONNREFUSED");
  });
});
