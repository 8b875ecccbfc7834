import ipaddr from "ipaddr.js";

/**
 * IANA's special-purpose address registries (IPv4 and IPv6, the blocks that are not
 * globally reachable), plus multicast: none of these is ever a home connection's public
 * address. One table, used everywhere podhost judges an address: dynamic DNS, the router's
 * WAN address, the doctor.
 * https://www.iana.org/assignments/iana-ipv4-special-registry/ and iana-ipv6-special-registry/
 */
export type SpecialKind =
  | "private" // RFC 1918, IPv6 unique-local: another router is in between (double NAT)
  | "shared" // 100.64.0.0/10: the provider's carrier-grade NAT
  | "documentation"
  | "benchmarking"
  | "loopback"
  | "link-local"
  | "unspecified"
  | "multicast"
  | "reserved"
  | "translation"; // IPv4-mapped and NAT64 forms: an IPv4 address in disguise

export interface SpecialRange {
  cidr: string;
  kind: SpecialKind;
  /** The registry's name for the block, in plain words. */
  name: string;
}

const ipv4Special: SpecialRange[] = [
  { cidr: "0.0.0.0/8", kind: "unspecified", name: "\"this network\"" },
  { cidr: "10.0.0.0/8", kind: "private", name: "a private range" },
  { cidr: "100.64.0.0/10", kind: "shared", name: "the shared range of carrier-grade NAT" },
  { cidr: "127.0.0.0/8", kind: "loopback", name: "the loopback range" },
  { cidr: "169.254.0.0/16", kind: "link-local", name: "link-local (no address was given out)" },
  { cidr: "172.16.0.0/12", kind: "private", name: "a private range" },
  { cidr: "192.0.0.0/24", kind: "reserved", name: "IETF protocol assignments" },
  { cidr: "192.0.2.0/24", kind: "documentation", name: "a documentation range (TEST-NET-1)" },
  { cidr: "192.88.99.0/24", kind: "reserved", name: "the retired 6to4 relay range" },
  { cidr: "192.168.0.0/16", kind: "private", name: "a private range" },
  { cidr: "198.18.0.0/15", kind: "benchmarking", name: "the benchmarking range" },
  { cidr: "198.51.100.0/24", kind: "documentation", name: "a documentation range (TEST-NET-2)" },
  { cidr: "203.0.113.0/24", kind: "documentation", name: "a documentation range (TEST-NET-3)" },
  { cidr: "224.0.0.0/4", kind: "multicast", name: "the multicast range" },
  { cidr: "240.0.0.0/4", kind: "reserved", name: "the reserved range" },
];

const ipv6Special: SpecialRange[] = [
  { cidr: "::/128", kind: "unspecified", name: "the unspecified range" },
  { cidr: "::1/128", kind: "loopback", name: "the loopback range" },
  { cidr: "::ffff:0:0/96", kind: "translation", name: "the IPv4-mapped range" },
  { cidr: "64:ff9b::/96", kind: "translation", name: "the NAT64 range" },
  { cidr: "64:ff9b:1::/48", kind: "translation", name: "a local NAT64 range" },
  { cidr: "100::/64", kind: "reserved", name: "the discard-only range" },
  { cidr: "100:0:0:1::/64", kind: "reserved", name: "the dummy-prefix range" },
  { cidr: "2001:2::/48", kind: "benchmarking", name: "the benchmarking range" },
  { cidr: "2001::/23", kind: "reserved", name: "IETF protocol assignments" },
  { cidr: "2001:db8::/32", kind: "documentation", name: "a documentation range" },
  { cidr: "3fff::/20", kind: "documentation", name: "a documentation range" },
  { cidr: "5f00::/16", kind: "reserved", name: "the segment-routing range" },
  { cidr: "fc00::/7", kind: "private", name: "a unique-local (private) range" },
  { cidr: "fe80::/10", kind: "link-local", name: "the link-local range" },
  { cidr: "fec0::/10", kind: "reserved", name: "the retired site-local range" },
  { cidr: "ff00::/8", kind: "multicast", name: "the multicast range" },
];

const parsedRanges = (table: SpecialRange[]) => table.map((range) => ({ range, cidr: ipaddr.parseCIDR(range.cidr) }));
const ipv4Ranges = parsedRanges(ipv4Special);
const ipv6Ranges = parsedRanges(ipv6Special);

export type AddressJudgement = { valid: false } | { valid: true; family: 4 | 6; public: true } | { valid: true; family: 4 | 6; public: false; special: SpecialRange };

/** Whether an address could be a connection's public address and, when it cannot, which special range it is in. */
export function judgeAddress(address: string | undefined): AddressJudgement {
  const text = (address ?? "").trim();
  // Only the plain dotted-quad form: ipaddr.js also takes "10" or "0x7f.1" as IPv4.
  if (!ipaddr.IPv4.isValidFourPartDecimal(text) && !ipaddr.IPv6.isValid(text)) return { valid: false };
  const parsed = ipaddr.parse(text);
  const family = parsed.kind() === "ipv4" ? 4 : 6;
  // The most specific block wins (2001:db8::/32 inside 2001::/23).
  const matches = (family === 4 ? ipv4Ranges : ipv6Ranges).filter(({ cidr }) => parsed.kind() === cidr[0].kind() && parsed.match(cidr));
  const best = matches.sort((a, b) => b.cidr[1] - a.cidr[1])[0];
  return best ? { valid: true, family, public: false, special: best.range } : { valid: true, family, public: true };
}

/** True for an address that can reach this connection from the internet (not in any special-purpose block). */
export function isPublicAddress(address: string | undefined): boolean {
  const judged = judgeAddress(address);
  return judged.valid && judged.public;
}

/** "10.20.0.2 is in a private range", for messages; undefined for a public address. */
export function whyNotPublic(address: string | undefined): string | undefined {
  const judged = judgeAddress(address);
  if (!judged.valid) return `"${address ?? ""}" is not an IP address`;
  return judged.public ? undefined : `${address} is in ${judged.special.name} (${judged.special.cidr})`;
}
