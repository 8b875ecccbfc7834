import { BlockList, isIP } from "node:net";
import { networkInterfaces, type NetworkInterfaceInfo } from "node:os";
import type { DnsAddresses } from "../../shared/dns";
import type { RouterView } from "../contracts";
import type { HttpClient } from "./http";

/**
 * Addresses that must never be published: they do not reach this machine from the internet.
 * The documentation ranges (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24, 2001:db8::/32) are
 * allowed on purpose: they never occur on a real connection, and tests publish them.
 */
const unpublishable4 = new BlockList();
const unpublishable6 = new BlockList();
for (const [net, bits] of [
  ["0.0.0.0", 8], ["10.0.0.0", 8], ["100.64.0.0", 10], ["127.0.0.0", 8], ["169.254.0.0", 16], ["172.16.0.0", 12],
  ["192.0.0.0", 24], ["192.168.0.0", 16], ["198.18.0.0", 15], ["224.0.0.0", 4], ["240.0.0.0", 4],
] as const) unpublishable4.addSubnet(net, bits, "ipv4");
for (const [net, bits] of [
  ["::", 128], ["::1", 128], ["64:ff9b::", 96], ["100::", 64], ["fc00::", 7], ["fe80::", 10], ["ff00::", 8],
] as const) unpublishable6.addSubnet(net, bits, "ipv6");

export function isPublishable(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return !unpublishable4.check(address, "ipv4");
  // IPv4-mapped IPv6 (::ffff:a.b.c.d) is an IPv4 address in disguise: never an AAAA record.
  return family === 6 && !/^::ffff:/i.test(address) && !unpublishable6.check(address, "ipv6");
}

/** Built-in echo services, asked only in the real app when the router cannot tell (dns.ipEchoUrl empty). */
export const defaultEchoUrls = ["https://api.ipify.org", "https://ipv4.icanhazip.com", "https://checkip.amazonaws.com"];

export interface AddressSources {
  router: RouterView;
  echoUrls: string[];
  interfaces: () => NodeJS.Dict<NetworkInterfaceInfo[]>;
  http: HttpClient;
}

export type DetectedAddresses = DnsAddresses & { source: string };

/**
 * This connection's public addresses. IPv4: the router when its WAN address is public, else
 * the first echo service that answers, else a public address on an interface. IPv6 (when
 * wanted): a public address on an interface (IPv6 is not translated), keeping the one
 * published last while it is still there, so privacy addresses do not cause needless updates.
 */
export async function detectAddresses(sources: AddressSources, wantIpv6: boolean, previous: DnsAddresses | undefined): Promise<DetectedAddresses> {
  const local = interfaceAddresses(sources.interfaces());
  const found: DetectedAddresses = { source: "" };
  const routerIp = await sources.router.externalIp().catch(() => undefined);
  if (routerIp && isIP(routerIp) === 4 && isPublishable(routerIp)) {
    found.ipv4 = routerIp;
    found.source = "the router";
  } else {
    for (const url of sources.echoUrls) {
      const echoed = await askEcho(sources.http, url);
      if (echoed && isIP(echoed) === 4) {
        found.ipv4 = echoed;
        found.source = new URL(url).host;
        break;
      }
      if (echoed && wantIpv6 && !found.ipv6) found.ipv6 = echoed;
    }
    if (!found.ipv4 && local.ipv4[0]) {
      found.ipv4 = local.ipv4[0];
      found.source = "a network interface";
    }
  }
  if (wantIpv6 && !found.ipv6) {
    found.ipv6 = previous?.ipv6 && local.ipv6.includes(previous.ipv6) ? previous.ipv6 : local.ipv6[0];
  }
  if (!found.ipv6) delete found.ipv6;
  if (!found.source && found.ipv6) found.source = "a network interface";
  return found;
}

async function askEcho(http: HttpClient, url: string): Promise<string | undefined> {
  try {
    const reply = await http.request(url, { timeoutMs: 10_000 });
    if (reply.status !== 200) return undefined;
    const candidate = reply.body.trim().split(/\s+/)[0] ?? "";
    return isPublishable(candidate) ? candidate : undefined;
  } catch {
    return undefined;
  }
}

function interfaceAddresses(all: NodeJS.Dict<NetworkInterfaceInfo[]>): { ipv4: string[]; ipv6: string[] } {
  const result = { ipv4: [] as string[], ipv6: [] as string[] };
  for (const infos of Object.values(all)) {
    for (const info of infos ?? []) {
      if (info.internal || !isPublishable(info.address)) continue;
      (info.family === "IPv4" ? result.ipv4 : result.ipv6).push(info.address);
    }
  }
  return result;
}

export const systemInterfaces = networkInterfaces;
