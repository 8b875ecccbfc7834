import { isIP } from "node:net";
import { networkInterfaces, type NetworkInterfaceInfo } from "node:os";
import { isPublicAddress } from "../../shared/addresses";
import type { DnsAddresses } from "../../shared/dns";
import type { RouterView } from "../contracts";
import type { HttpClient } from "./http";

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
  if (routerIp && isIP(routerIp) === 4 && isPublicAddress(routerIp)) {
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
    return isPublicAddress(candidate) ? candidate : undefined;
  } catch {
    return undefined;
  }
}

function interfaceAddresses(all: NodeJS.Dict<NetworkInterfaceInfo[]>): { ipv4: string[]; ipv6: string[] } {
  const result = { ipv4: [] as string[], ipv6: [] as string[] };
  for (const infos of Object.values(all)) {
    for (const info of infos ?? []) {
      if (info.internal || !isPublicAddress(info.address)) continue;
      (info.family === "IPv4" ? result.ipv4 : result.ipv6).push(info.address);
    }
  }
  return result;
}

export const systemInterfaces = networkInterfaces;
