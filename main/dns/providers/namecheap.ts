import { dnsProviderInfo } from "../../../shared/dns";
import { unexpected, type ProviderConfig, type ProviderModule, type ProviderReply } from "./types";

/** The registered domain (dns.username, else the last two labels) and the host in front of it ("@" for the domain itself). */
function split(config: ProviderConfig): { host: string; domain: string } {
  const domain = config.username || config.name.split(".").slice(-2).join(".");
  return { domain, host: config.name === domain ? "@" : config.name.slice(0, -(domain.length + 1)) };
}

/** Namecheap answers HTTP 200 even on errors; `<ErrCount>0</ErrCount>` is the only sign of success. */
export async function parseNamecheap(status: number, body: string): Promise<ProviderReply> {
  // Loaded here: the XML parser is needed by one provider only.
  const { XMLParser } = await import("fast-xml-parser");
  let response: { ErrCount?: number; IP?: string; errors?: Record<string, string> } | undefined;
  try {
    response = (new XMLParser({ parseTagValue: true }).parse(body) as { "interface-response"?: typeof response })["interface-response"];
  } catch {
    response = undefined;
  }
  if (status !== 200 || response?.ErrCount === undefined) return unexpected(status, body);
  if (Number(response.ErrCount) === 0) return { verdict: "accepted", answer: `ErrCount 0${response.IP ? `, IP ${response.IP}` : ""}`, meaning: "the address was updated" };
  const errors = Object.values(response.errors ?? {}).map(String).join("; ");
  return { verdict: "fatal", answer: errors || `ErrCount ${response.ErrCount}`, meaning: "Namecheap refused the update: check the host, the domain (dns.username) and the Dynamic DNS password" };
}

export const namecheap: ProviderModule = {
  id: "namecheap",
  info: dnsProviderInfo.namecheap,
  async update(config, addresses) {
    const url = new URL("/update", config.server);
    url.search = new URLSearchParams({ ...split(config), password: config.password, ip: addresses.ipv4 ?? "" }).toString();
    const reply = await config.http.request(url.toString());
    return parseNamecheap(reply.status, reply.body);
  },
};
