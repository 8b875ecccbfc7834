import { judgeAddress } from "../../shared/addresses";
import type { CertsStatus, CertsSettings } from "../../shared/certs";
import type { DnsStatus } from "../../shared/dns";
import { doctorReport, hop, type DoctorReport, type Hop } from "../../shared/doctor";
import type { PortsStatus } from "../../shared/ports";
import type { ServiceStatus } from "../../shared/service-status";
import { toneOf } from "../../shared/status";
import { dnsHop, httpHop, internetHop, probeWayIn, routerHop } from "./network-hops";

/** What the doctor knows without asking anyone: settings and the services' status. */
export interface DoctorFacts {
  domain: string;
  /** The proxy's local HTTPS and HTTP ports. */
  httpsPort: number;
  httpPort: number;
  /** The ports the internet is meant to use (ports.externalHttpsPort, ports.externalHttpPort). */
  externalHttpsPort: number;
  externalHttpPort: number;
  /** Whether podhost manages the router (ports.upnp), and opens port 80 too (ports.mapHttp). */
  upnp: boolean;
  mapHttp: boolean;
  certsMode: CertsSettings["mode"];
  challenge: CertsSettings["acme"]["challenge"];
  pod: ServiceStatus;
  proxy: ServiceStatus;
  ports: PortsStatus;
  certs: CertsStatus;
  dns: DnsStatus;
}

export type CertificateProbe =
  | { answered: false; error: string }
  | { answered: true; names: string[]; validTo: number; trusted: boolean };

/** The doctor's questions to the world; tests hand in their own answers. */
export interface DoctorProbes {
  /** TLS to the proxy on this PC, with the domain as server name. */
  proxyCertificate(port: number, servername: string): Promise<CertificateProbe>;
  /** This PC's IPv4 addresses on home networks (no loopback, containers or VPNs). */
  lanAddresses(): string[];
  /** The domain's IPv4 addresses (empty when it does not resolve). */
  resolve(domain: string): Promise<string[]>;
  /** Whether the proxy answers this PC through its own public address (hairpin NAT): a TLS handshake, or an HTTP answer. */
  hairpin(ip: string, port: number, kind: "https" | "http", servername: string): Promise<boolean>;
  now(): number;
}

const serviceLabels = { pod: "Pod", proxy: "Proxy", ports: "Router ports", certs: "Certificate", dns: "Dynamic DNS" } as const;

/**
 * Check every hop from the pod outwards and report them in path order (Internet first).
 * Pure over `probes`: nothing here touches the network itself.
 */
export async function diagnose(facts: DoctorFacts, probes: DoctorProbes): Promise<DoctorReport> {
  const wayIn = await probeWayIn(facts, probes);
  const hops: Hop[] = [
    podHop(facts),
    certificateHop(facts),
    await proxyHop(facts, probes),
    pcHop(facts, probes),
    await httpHop(facts, probes, wayIn),
    routerHop(facts, probes.now()),
    await dnsHop(facts, probes),
    internetHop(facts, wayIn),
  ];
  const serviceErrors = (Object.keys(serviceLabels) as (keyof typeof serviceLabels)[]).filter((name) => toneOf(facts[name]) === "error").map((name) => `${serviceLabels[name]}: ${facts[name].message}`);
  return doctorReport(probes.now(), hops, serviceErrors);
}

function podHop({ pod }: DoctorFacts): Hop {
  if (pod.state === "running") return hop("pod", "ok", pod.message);
  return hop("pod", "fail", pod.message, pod.action?.label ?? "Start the pod (Status > Start) and look at Logs if it does not come up.");
}

/** The certificate as the certs service reports it: any error state is a broken hop, with the service's own words. */
function certificateHop({ certs, certsMode }: DoctorFacts): Hop {
  // Generic over the service's states: whatever it calls expired or failed (or colours as an error) is broken.
  const tone = /expired|fail/.test(certs.state) ? "error" : toneOf(certs);
  const fix = certs.lastError?.fix ?? certs.action?.label;
  if (tone === "error") return hop("certificate", "fail", certs.lastError?.message ?? certs.message, fix ?? "See Settings > Certificates.");
  if (tone === "busy") return hop("certificate", "skipped", certs.message);
  if (tone === "warn" || tone === "off") return hop("certificate", "warn", certs.message, fix);
  if (certsMode === "local" || certs.certificate?.source === "local") {
    return hop("certificate", "warn", `${certs.message} It comes from podhost's own CA: browsers warn, and other pods refuse to federate with it.`, "Get a publicly trusted certificate: Settings > Certificates (certs.mode acme).");
  }
  return hop("certificate", "ok", certs.message);
}

async function proxyHop({ domain, httpsPort, certsMode }: DoctorFacts, probes: DoctorProbes): Promise<Hop> {
  const cert = await probes.proxyCertificate(httpsPort, domain);
  if (!cert.answered) {
    return hop("proxy", "fail", `Nothing answers HTTPS on port ${httpsPort} of this PC (${cert.error}).`, "Start the pod; if it runs, another program may hold the port: choose another one in Settings > Network (proxy.httpsPort).");
  }
  if (!domain) return hop("proxy", "warn", `The proxy answers on port ${httpsPort}, but no domain is set, so its certificate cannot be checked.`, "Set the pod's domain in Settings > Pod.");
  if (!cert.names.some((name) => nameMatches(name, domain))) {
    return hop("proxy", "fail", `The proxy answers with a certificate for ${cert.names.join(", ") || "no name"}, not for ${domain}.`, `Get a certificate for ${domain}: Settings > Certificates.`);
  }
  if (cert.validTo <= probes.now()) return hop("proxy", "fail", `The proxy's certificate for ${domain} expired on ${new Date(cert.validTo).toISOString().slice(0, 10)}.`, "Renew it: Settings > Certificates.");
  if (!cert.trusted) {
    const fix = certsMode === "acme" ? "See the Certificate hop: the public certificate is not served yet." : "Get a publicly trusted certificate: Settings > Certificates (certs.mode acme; the name, router and port hops above must work for it).";
    return hop("proxy", "warn", `The proxy answers with a certificate for ${domain}, but browsers and other pods do not trust it (self-signed or local CA).`, fix);
  }
  return hop("proxy", "ok", `The proxy answers on port ${httpsPort} with a publicly trusted certificate for ${domain}.`);
}

function nameMatches(name: string, domain: string): boolean {
  if (name.startsWith("*.")) return domain.split(".").slice(1).join(".") === name.slice(2);
  return name === domain;
}

function pcHop({ ports }: DoctorFacts, probes: DoctorProbes): Hop {
  const address = ports.router?.lanAddress ?? probes.lanAddresses()[0];
  if (!address) return hop("pc", "fail", "This PC has no address on a home network.", "Connect this PC to the router (cable or Wi-Fi).");
  const judged = judgeAddress(address);
  if (judged.valid && judged.public) return hop("pc", "ok", `This PC has the public address ${address} itself: no router sits in between.`);
  if (judged.valid && ["private", "shared", "link-local"].includes(judged.special.kind)) return hop("pc", "ok", `This PC is ${address} on the home network.`);
  const where = judged.valid ? `in ${judged.special.name} (${judged.special.cidr})` : "not an IP address";
  return hop("pc", "warn", `This PC's address ${address} is ${where}: no real home network or provider hands out such addresses.`, "Check the PC's network settings (a static address copied from an example?).");
}
