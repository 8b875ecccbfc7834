import * as z from "zod";
import { optionalHostname, text } from "./schema-helpers";
import type { ServiceStatus } from "./service-status";

/** Every provider podhost can keep a name updated with; "none" keeps dynamic DNS off. */
export const dnsProviders = ["none", "duckdns", "cloudflare", "desec", "dyndns2", "noip", "dynu", "he", "dnsomatic", "namecheap", "freedns", "rfc2136"] as const;
export type DnsProviderId = (typeof dnsProviders)[number];

const providerList = dnsProviders.map((p) => `"${p}"`).join(", ");

const serverSetting = text("dns.server", 2048)
  .trim()
  .refine((v) => !/\s/.test(v), "dns.server cannot contain spaces: give a URL like https://dyn.example.net, or host[:port] for RFC 2136.");

const echoUrlSetting = text("dns.ipEchoUrl", 2048)
  .trim()
  .refine((v) => v === "" || /^https?:\/\/[^\s/]+/.test(v), "dns.ipEchoUrl must be an http:// or https:// URL (or empty for podhost's built-in list).");

/** Settings > Domain & DNS: dynamic DNS. Off ("none") until the user picks a provider. */
export const dnsSettings = z.object({
  provider: z.enum(dnsProviders, { error: `dns.provider must be one of ${providerList}.` }).default("none").describe("Who keeps the domain pointing at this connection."),
  name: optionalHostname("dns.name").default("").describe("The name to keep updated; empty means the pod's domain. For DuckDNS the part before .duckdns.org is enough."),
  server: serverSetting.default("").describe("The update server: empty uses the provider's own. Required for generic dyndns2 (a URL) and RFC 2136 (host or host:port of your DNS server)."),
  username: text("dns.username", 256).trim().default("").describe("User name (dyndns2 providers), the registered domain (Namecheap), or the TSIG key name (RFC 2136)."),
  ipEchoUrl: echoUrlSetting.default("").describe("Where to ask for the public address when the router cannot tell; empty uses a short built-in list of HTTPS services."),
  ipv6: z.boolean({ error: "dns.ipv6 is true or false." }).default(true).describe("Also publish this machine's public IPv6 address (AAAA) when the provider supports it."),
  tsigAlgorithm: z
    .enum(["hmac-sha256", "hmac-sha512", "hmac-sha1"], { error: 'dns.tsigAlgorithm must be "hmac-sha256", "hmac-sha512" or "hmac-sha1".' })
    .default("hmac-sha256")
    .describe("RFC 2136 only: the TSIG key's algorithm."),
});
export type DnsSettings = z.infer<typeof dnsSettings>;

/** A field of Settings > Domain & DNS: settings keys, or the secrets dns.password / dns.token. */
export type DnsField = "name" | "server" | "username" | "password" | "token";

/** What the UI shows per provider, and what the engine checks before sending anything. */
export interface DnsProviderInfo {
  label: string;
  /** The update server used when dns.server is empty (the UI shows it as the placeholder). */
  defaultServer?: string;
  /** The fields this provider uses, in order, with the UI's label; every one listed must be filled in. */
  fields: { field: DnsField; label: string }[];
  /** Can publish AAAA records. */
  ipv6: boolean;
  /** Can set TXT records for ACME DNS-01 (certificates for names behind a closed port 80). */
  dns01: boolean;
}

const nameField = { field: "name", label: "Name (empty: the pod's domain)" } as const;
const dyndns2Fields = (server: string) => [nameField, { field: "server", label: server }, { field: "username", label: "User name" }, { field: "password", label: "Password or update key" }] as DnsProviderInfo["fields"];

export const dnsProviderInfo: Record<Exclude<DnsProviderId, "none">, DnsProviderInfo> = {
  duckdns: { label: "DuckDNS", defaultServer: "https://www.duckdns.org", fields: [{ field: "name", label: "Sub-domain (mypod or mypod.duckdns.org)" }, { field: "token", label: "Token" }], ipv6: true, dns01: true },
  cloudflare: { label: "Cloudflare", defaultServer: "https://api.cloudflare.com", fields: [nameField, { field: "token", label: "API token (Zone:DNS:Edit and Zone:Read)" }], ipv6: true, dns01: true },
  desec: { label: "deSEC (dedyn.io)", defaultServer: "https://update.dedyn.io", fields: [nameField, { field: "token", label: "Token" }], ipv6: true, dns01: true },
  dyndns2: { label: "dyndns2 (generic)", fields: dyndns2Fields("Update URL (like https://members.dyndns.org/nic/update)"), ipv6: false, dns01: false },
  noip: { label: "No-IP", defaultServer: "https://dynupdate.no-ip.com/nic/update", fields: dyndns2Fields("Update URL"), ipv6: true, dns01: false },
  dynu: { label: "Dynu", defaultServer: "https://api.dynu.com/nic/update", fields: dyndns2Fields("Update URL"), ipv6: true, dns01: false },
  he: { label: "Hurricane Electric", defaultServer: "https://dyn.dns.he.net/nic/update", fields: dyndns2Fields("Update URL").map((f) => (f.field === "username" ? { ...f, label: "User name (the record's name, like pod.example.org)" } : f)), ipv6: true, dns01: false },
  dnsomatic: { label: "DNS-O-Matic", defaultServer: "https://updates.dnsomatic.com/nic/update", fields: dyndns2Fields("Update URL"), ipv6: false, dns01: false },
  namecheap: { label: "Namecheap", defaultServer: "https://dynamicdns.park-your-domain.com", fields: [nameField, { field: "password", label: "Dynamic DNS password (Advanced DNS page)" }], ipv6: false, dns01: false },
  freedns: { label: "FreeDNS (afraid.org)", defaultServer: "https://sync.afraid.org", fields: [{ field: "token", label: "Update token, or the record's whole update URL" }], ipv6: false, dns01: false },
  rfc2136: {
    label: "RFC 2136 (your own DNS server, TSIG)",
    fields: [nameField, { field: "server", label: "DNS server (host or host:port)" }, { field: "username", label: "TSIG key name" }, { field: "password", label: "TSIG secret (base64)" }],
    ipv6: true,
    dns01: true,
  },
};

/** Secret settings of dynamic DNS (stored in the secrets file, never shown back). */
export const dnsSecrets: Record<string, { description: string }> = {
  "dns.password": { description: "Password or update key (dyndns2 providers, Namecheap's Dynamic DNS password), or the TSIG secret in base64 (RFC 2136)" },
  "dns.token": { description: "API token (DuckDNS, Cloudflare, deSEC) or update token (FreeDNS)" },
};

export type DnsState = "off" | "not-configured" | "updating" | "published" | "waiting" | "stopped" | "failed";

export interface DnsAddresses {
  ipv4?: string;
  ipv6?: string;
}

/**
 * One answer to "update now" or one entry of the history: what was sent, what the provider
 * answered, and what happens next, each in plain words.
 */
export interface DnsUpdateResult {
  at: number;
  /** accepted: the provider took it; skipped: nothing was sent; stopped: a fatal reply; waiting/retrying: try later. */
  outcome: "accepted" | "skipped" | "stopped" | "waiting" | "retrying";
  /**
   * Why nothing was sent: only "up-to-date" means the provider has the address; the others
   * mean the update asked for did not happen (stopped after a fatal reply, waiting as the
   * provider asked, the one-a-minute limit, no public address, settings incomplete).
   */
  reason?: "up-to-date" | "stopped" | "waiting" | "too-soon" | "no-address" | "incomplete-settings";
  /** The addresses sent; undefined when nothing was sent. */
  sent?: DnsAddresses;
  /** The provider's answer, short and verbatim ("good 198.51.100.4", "badauth", "HTTP 503"). */
  answer?: string;
  /** The whole story in one or two sentences, for the UI, CLI and notifications. */
  message: string;
  /** What podhost does next ("Next check in 5 minutes."). */
  next: string;
  /** On an accepted change of address: what was published before (Host announces the change: certificates and peers care). */
  previous?: DnsAddresses;
}

export interface DnsStatus extends ServiceStatus {
  state: DnsState;
  provider?: DnsProviderId;
  /** The name kept updated, e.g. pod.example.org. */
  name?: string;
  /** What the provider last accepted. */
  published?: DnsAddresses;
  /** What this connection's public address is now, and where that came from. */
  detected?: DnsAddresses & { source: string };
  lastUpdate?: DnsUpdateResult;
  /** When the address was last checked. */
  lastCheckAt?: number;
  /** The last 20 updates sent, newest first. */
  history: DnsUpdateResult[];
}
