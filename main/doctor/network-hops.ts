import { isPublicAddress, judgeAddress } from "../../shared/addresses";
import { clockTime } from "../../shared/clock-time";
import { hop, type Hop } from "../../shared/doctor";
import { explainNat, podUrl } from "../../shared/ports";
import { toneOf } from "../../shared/status";
import type { DoctorFacts, DoctorProbes } from "./diagnose";

/**
 * The hops between the internet and this PC: the name, the router, port 80 and the way in.
 * Each says what was checked and when; what podhost cannot see is a note, never a tick.
 */

/** The connection's public address: the router's own when it is public, else what dynamic DNS detected. */
function publicAddress({ ports, dns }: DoctorFacts): { ip: string; source: string } | undefined {
  if (ports.natType === "public" && ports.externalIp) return { ip: ports.externalIp, source: "the router" };
  const detected = dns.detected?.ipv4;
  return detected && isPublicAddress(detected) ? { ip: detected, source: dns.detected!.source || "dynamic DNS" } : undefined;
}

/** The way in from the internet as this PC can test it: its public address and port, and whether a connection through them reached the pod. */
export interface WayIn {
  ip: string;
  source: string;
  port: number;
  reached: boolean;
}

export async function probeWayIn(facts: DoctorFacts, probes: DoctorProbes): Promise<WayIn | undefined> {
  const { ports, upnp, externalHttpsPort } = facts;
  if (ports.natType && explainNat(ports.natType, ports.externalIp)) return undefined;
  const known = publicAddress(facts);
  const port = upnp ? ports.mappings?.find((m) => m.purpose === "https")?.externalPort : externalHttpsPort;
  if (!known || port === undefined) return undefined;
  return { ...known, port, reached: await probes.hairpin(known.ip, port, "https", facts.domain) };
}

function readBackAt(checkedAt: number | undefined): string {
  return checkedAt === undefined ? "" : `, read back from the router at ${clockTime(checkedAt)}`;
}

export function routerHop({ upnp, ports, externalHttpsPort, httpsPort }: DoctorFacts, now: number): Hop {
  const byHand = `forward port ${externalHttpsPort} to ${ports.router?.lanAddress ?? "this PC"}:${httpsPort} in the router's settings`;
  if (!upnp) return hop("router", "warn", "podhost does not manage the router (opening ports automatically is off), so it cannot see the port forwarding.", `Turn on Settings > Network > "Open ports on my router automatically", or ${byHand}.`);
  const https = ports.mappings?.find((m) => m.purpose === "https");
  if (ports.state === "mapped" && https) {
    const lease = https.leaseLeftSeconds === undefined ? "permanent" : `lease renewed automatically, ${Math.round(https.leaseLeftSeconds / 60)} min left`;
    const age = ports.checkedAt === undefined ? "" : ` (${lease}${readBackAt(ports.checkedAt)})`;
    const stale = ports.checkedAt !== undefined && now - ports.checkedAt > 5 * 60_000;
    return hop("router", stale ? "warn" : "ok", `The router (${ports.router?.address}) forwards port ${https.externalPort} to ${https.internalClient}:${https.internalPort}${age || ` (${lease})`}.`, stale ? "podhost has not heard from the router for a while: check that it is on." : undefined);
  }
  if (ports.natType && explainNat(ports.natType, ports.externalIp)) {
    return hop("router", "warn", `The router (${ports.router?.address}) was found, but it is not the last one before the internet (see Internet), so podhost opened nothing on it.`);
  }
  return hop("router", "fail", ports.message, ports.action?.label ?? `Turn the automatic port opening off and on again, or ${byHand}.`);
}

/** Port 80: needed for HTTP-01 validation (and redirects). Judged from the router's mapping and from the CA's own attempt. */
export async function httpHop(facts: DoctorFacts, probes: DoctorProbes, wayIn: WayIn | undefined): Promise<Hop> {
  const { certsMode, challenge, mapHttp, upnp, ports, certs, externalHttpPort, httpPort } = facts;
  const usesHttp01 = certsMode === "acme" && (challenge === "http-01" || challenge === "auto");
  const caFailure = certs.lastError && toneOf(certs) === "error" && /^(http-01-failed|all-challenges-failed)$/.test(certs.lastError.code) && /Port 80/.test(certs.lastError.message);
  if (caFailure) return hop("http", "fail", `The certificate authority could not reach port ${externalHttpPort}: ${certs.lastError!.message}`, certs.lastError!.fix);
  if (!usesHttp01 && !mapHttp) return hop("http", "skipped", certsMode === "acme" ? `Port 80 is not needed: certificates are validated with ${challenge}.` : "Port 80 is not needed: the certificate comes from podhost's own CA.");
  if (!upnp) {
    return hop("http", "warn", "podhost does not manage the router, so it cannot see whether port 80 is forwarded.", `Forward port ${externalHttpPort} to this PC's port ${httpPort} by hand${challenge === "http-01" ? " (HTTP-01 validation needs it)" : ""}.`);
  }
  if (!mapHttp) {
    const state = challenge === "http-01" ? "fail" : "warn";
    return hop("http", state, "HTTP-01 validation needs port 80, but podhost does not open it (ports.mapHttp is off).", 'Turn on ports.mapHttp, or set certs.acme.challenge to "tls-alpn-01" or "dns-01".');
  }
  if (ports.natType && explainNat(ports.natType, ports.externalIp)) return hop("http", "warn", "podhost opened nothing on the router, because it is not the last one before the internet (see Internet).");
  const http = ports.mappings?.find((m) => m.purpose === "http");
  if (ports.state === "mapped" && http) {
    const forwards = `The router forwards port ${http.externalPort} to ${http.internalClient}:${http.internalPort}${readBackAt(ports.checkedAt)}`;
    if (!wayIn) return hop("http", "ok", `${forwards}. Whether your provider lets port 80 through shows when the certificate authority checks it.`);
    if (await probes.hairpin(wayIn.ip, http.externalPort, "http", facts.domain)) return hop("http", "ok", `${forwards}, and this PC reached it through your public address (${wayIn.ip}:${http.externalPort}).`);
    if (wayIn.reached) {
      // The router does hairpin NAT (port 443 came back), so port 80 is stopped on the way: the provider or a firewall.
      return hop("http", usesHttp01 ? "fail" : "warn", `${forwards}, but ${wayIn.ip}:${http.externalPort} does not answer while ${wayIn.ip}:${wayIn.port} does: your provider (or a firewall before the router) drops port ${http.externalPort}.`, 'Ask your provider to open port 80, or set certs.acme.challenge to "tls-alpn-01" (port 443) or "dns-01".');
    }
    return hop("http", "ok", `${forwards}. Whether your provider lets port 80 through shows when the certificate authority checks it.`);
  }
  return hop("http", ports.state === "failed" || ports.state === "unsupported" ? "fail" : "skipped", ports.message, ports.action?.label);
}

export async function dnsHop(facts: DoctorFacts, probes: DoctorProbes): Promise<Hop> {
  const { domain, dns } = facts;
  if (!domain) return hop("dns", "fail", "No domain is set for the pod.", "Set the pod's domain in Settings > Pod.");
  const addresses = await probes.resolve(domain);
  const known = publicAddress(facts);
  const keepCurrent = known ? `Change the A record for ${domain} to ${known.ip}, or let dynamic DNS keep it current (Settings > Domain & DNS).` : "Point the A record at this connection's public address, or let dynamic DNS keep it current (Settings > Domain & DNS).";
  if (!addresses.length) {
    return hop("dns", "fail", `${domain} does not resolve to any IPv4 address.`, `Create an A record for ${domain}${known ? ` pointing at ${known.ip}` : ""} at your DNS provider, or set up dynamic DNS in Settings > Domain & DNS.`);
  }
  for (const address of addresses) {
    const judged = judgeAddress(address);
    if (!judged.valid || judged.public) continue;
    const meaning = {
      shared: "that is the inside of your provider's carrier-grade NAT (many customers share one public address), not an address anyone on the internet can reach",
      private: "a private address: only devices on that network reach it (another router sits before the internet, or the record was meant for the home network)",
      loopback: "only the computer itself reaches that",
    }[judged.special.kind as "shared" | "private" | "loopback"];
    const fix = judged.special.kind === "shared" ? `Ask your provider for a public IPv4 address, or reach the pod through a tunnel; then ${keepCurrent.charAt(0).toLowerCase()}${keepCurrent.slice(1)}` : keepCurrent;
    return hop("dns", "fail", `${domain} resolves to ${address}, in ${judged.special.name} (${judged.special.cidr}): ${meaning ?? "nobody on the internet can reach the pod there"}.`, fix);
  }
  if (toneOf(dns) === "error") return hop("dns", "fail", `${domain} resolves to ${addresses.join(", ")}, but dynamic DNS is failing: ${dns.message}`, dns.action?.label ?? "See Settings > Domain & DNS.");
  if (!known) return hop("dns", "warn", `${domain} resolves to ${addresses.join(", ")}; podhost does not know your public address, so it cannot tell whether that is right.`, "Turn on opening ports automatically or dynamic DNS (either finds the public address), or compare it yourself.");
  if (!addresses.includes(known.ip)) return hop("dns", "fail", `${domain} points to ${addresses.join(", ")}, but your public address is ${known.ip} (from ${known.source}).`, keepCurrent);
  return hop("dns", "ok", `${domain} resolves to ${known.ip}, your public address (from ${known.source}).`);
}

export function internetHop({ domain, ports }: DoctorFacts, wayIn: WayIn | undefined): Hop {
  const nat = ports.natType ? explainNat(ports.natType, ports.externalIp) : undefined;
  if (nat) return hop("internet", "fail", nat.message, nat.fix);
  if (!wayIn) {
    return hop("internet", "skipped", "podhost does not know the public address and port yet, so it cannot test the way in from the internet.", "Turn on opening ports automatically or dynamic DNS, or test from outside: open the pod's address on a phone using mobile data.");
  }
  const target = `${wayIn.ip}:${wayIn.port}`;
  if (wayIn.reached) return hop("internet", "ok", `Your public address is ${wayIn.ip}; this PC reached the pod through it (${target}).`);
  return hop(
    "internet",
    "warn",
    `Your public address is ${wayIn.ip}. This PC cannot reach ${target} from inside the home network: many routers do not support that (no "hairpin NAT"), so this neither confirms nor rules out that the pod is reachable from outside.`,
    `Test from outside: open ${domain ? podUrl(domain, wayIn.port) : target} on a phone using mobile data.`,
  );
}
