import { doctorReport, hopLabels, type DoctorReport, type Hop, type HopId } from "../../shared/doctor";
import { explainNat, podUrl, type PortsStatus } from "../../shared/ports";
import type { ServiceStatus } from "../../shared/service-status";

/** What the doctor knows without asking anyone: settings and the services' status. */
export interface DoctorFacts {
  domain: string;
  /** The proxy's local HTTPS port. */
  httpsPort: number;
  /** The port the internet is meant to use (ports.externalHttpsPort). */
  externalHttpsPort: number;
  /** Whether podhost manages the router (ports.upnp). */
  upnp: boolean;
  pod: ServiceStatus;
  ports: PortsStatus;
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
  /** Whether this PC can open a TCP connection to its own public address (hairpin NAT). */
  hairpin(ip: string, port: number): Promise<boolean>;
  now(): number;
}

/**
 * Check every hop from the pod outwards and report them in path order (Internet first).
 * Pure over `probes`: nothing here touches the network itself.
 */
export async function diagnose(facts: DoctorFacts, probes: DoctorProbes): Promise<DoctorReport> {
  const hops: Hop[] = [podHop(facts), await proxyHop(facts, probes), pcHop(facts, probes), routerHop(facts), await dnsHop(facts, probes), await internetHop(facts, probes)];
  return doctorReport(probes.now(), hops);
}

function hop(id: HopId, state: Hop["state"], reason: string, fix?: string): Hop {
  return { id, label: hopLabels[id], state, reason, ...(fix ? { fix } : {}) };
}

function podHop({ pod }: DoctorFacts): Hop {
  if (pod.state === "running") return hop("pod", "ok", pod.message);
  return hop("pod", "fail", pod.message, pod.action?.label ?? "Start the pod (Status > Start) and look at Logs if it does not come up.");
}

async function proxyHop({ domain, httpsPort }: DoctorFacts, probes: DoctorProbes): Promise<Hop> {
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
    return hop("proxy", "warn", `The proxy answers with a certificate for ${domain}, but browsers and other pods do not trust it (self-signed or local CA).`, "Get a Let's Encrypt certificate: Settings > Certificates (needs the domain to reach this PC).");
  }
  return hop("proxy", "ok", `The proxy answers on port ${httpsPort} with a valid certificate for ${domain}.`);
}

function nameMatches(name: string, domain: string): boolean {
  if (name.startsWith("*.")) return domain.split(".").slice(1).join(".") === name.slice(2);
  return name === domain;
}

function pcHop({ ports }: DoctorFacts, probes: DoctorProbes): Hop {
  const addresses = probes.lanAddresses();
  const address = ports.router?.lanAddress ?? addresses[0];
  if (!address) return hop("pc", "fail", "This PC has no address on a home network.", "Connect this PC to the router (cable or Wi-Fi).");
  return hop("pc", "ok", `This PC is ${address} on the home network.`);
}

function routerHop({ upnp, ports, externalHttpsPort, httpsPort }: DoctorFacts): Hop {
  const byHand = `forward port ${externalHttpsPort} to ${ports.router?.lanAddress ?? "this PC"}:${httpsPort} in the router's settings`;
  if (!upnp) return hop("router", "warn", "podhost does not manage the router (opening ports automatically is off), so it cannot see the port forwarding.", `Turn on Settings > Network > "Open ports on my router automatically", or ${byHand}.`);
  const https = ports.mappings?.find((m) => m.purpose === "https");
  if (ports.state === "mapped" && https) {
    const lease = https.leaseLeftSeconds === undefined ? "permanent" : `lease renewed automatically, ${Math.round(https.leaseLeftSeconds / 60)} min left`;
    return hop("router", "ok", `The router (${ports.router?.address}) forwards port ${https.externalPort} to ${https.internalClient}:${https.internalPort} (${lease}).`);
  }
  if (ports.natType && explainNat(ports.natType, ports.externalIp)) {
    return hop("router", "ok", `The router (${ports.router?.address}) was found, but it is not the last one before the internet (see Internet).`);
  }
  return hop("router", "fail", ports.message, ports.action?.label ?? `Turn the automatic port opening off and on again, or ${byHand}.`);
}

async function dnsHop({ domain, ports }: DoctorFacts, probes: DoctorProbes): Promise<Hop> {
  if (!domain) return hop("dns", "fail", "No domain is set for the pod.", "Set the pod's domain in Settings > Pod.");
  const addresses = await probes.resolve(domain);
  const publicIp = ports.natType === "public" ? ports.externalIp : undefined;
  if (!addresses.length) {
    return hop("dns", "fail", `${domain} does not resolve to any IPv4 address.`, `Create an A record for ${domain}${publicIp ? ` pointing at ${publicIp}` : ""} at your DNS provider, or set up dynamic DNS in Settings > Domain & DNS.`);
  }
  if (!publicIp) return hop("dns", "warn", `${domain} resolves to ${addresses.join(", ")}; podhost does not know your public address, so it cannot tell whether that is right.`, "Turn on opening ports automatically (it reads the public address from the router), or compare it yourself.");
  if (!addresses.includes(publicIp)) {
    return hop("dns", "fail", `${domain} points to ${addresses.join(", ")}, but your public address is ${publicIp}.`, `Change the A record for ${domain} to ${publicIp}, or let dynamic DNS keep it up to date (Settings > Domain & DNS).`);
  }
  return hop("dns", "ok", `${domain} resolves to ${publicIp}, your public address.`);
}

async function internetHop({ domain, ports }: DoctorFacts, probes: DoctorProbes): Promise<Hop> {
  const nat = ports.natType ? explainNat(ports.natType, ports.externalIp) : undefined;
  if (nat) return hop("internet", "fail", nat.message, nat.fix);
  const https = ports.mappings?.find((m) => m.purpose === "https");
  if (ports.natType !== "public" || !ports.externalIp || !https) {
    return hop("internet", "skipped", "podhost does not know the public address and port yet, so it cannot test the way in from the internet.", "Turn on opening ports automatically, or test from outside: open the pod's address on a phone using mobile data.");
  }
  const target = `${ports.externalIp}:${https.externalPort}`;
  if (await probes.hairpin(ports.externalIp, https.externalPort)) return hop("internet", "ok", `Your public address is ${ports.externalIp}; this PC reached the pod through it (${target}).`);
  return hop(
    "internet",
    "warn",
    `Your public address is ${ports.externalIp}. This PC cannot reach ${target} from inside the home network: many routers do not support that (no "hairpin NAT"), so this does not mean the pod is unreachable from outside.`,
    `Test from outside: open ${domain ? podUrl(domain, https.externalPort) : target} on a phone using mobile data.`,
  );
}
