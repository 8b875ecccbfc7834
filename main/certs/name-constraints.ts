import { isIPv4 } from "node:net";
import * as x509 from "@peculiar/x509";

/**
 * The NameConstraints extension (RFC 5280 4.2.1.10, OID 2.5.29.30), which @peculiar/x509 has no
 * class for: a local CA may only vouch for the pod's names and private/loopback addresses, so
 * its key cannot be used to intercept anything else the user's browser trusts it for.
 */
export function nameConstraintsExtension(dnsNames: string[], ipRanges: IpRange[]): x509.Extension {
  const subtrees = [
    ...dnsNames.map((name) => der(0x30, der(0x82, Buffer.from(name, "ascii")))),
    ...ipRanges.map((range) => der(0x30, der(0x87, Buffer.concat([ipBytes(range.address), ipBytes(range.mask)])))),
  ];
  const value = der(0x30, der(0xa0, Buffer.concat(subtrees)));
  return new x509.Extension("2.5.29.30", true, value);
}

export interface IpRange {
  address: string;
  mask: string;
}

/** RFC 1918 private ranges and loopback, IPv4 and IPv6 (unique local + ::1). */
export const privateIpRanges: IpRange[] = [
  { address: "10.0.0.0", mask: "255.0.0.0" },
  { address: "172.16.0.0", mask: "255.240.0.0" },
  { address: "192.168.0.0", mask: "255.255.0.0" },
  { address: "127.0.0.0", mask: "255.0.0.0" },
  { address: "fc00::", mask: "fe00::" },
  { address: "::1", mask: "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff" },
];

function ipBytes(ip: string): Buffer {
  if (isIPv4(ip)) return Buffer.from(ip.split(".").map(Number));
  const [head = "", tail = ""] = ip.split("::");
  const headParts = head ? head.split(":") : [];
  const tailParts = tail ? tail.split(":") : [];
  const groups = ip.includes("::") ? [...headParts, ...Array<string>(8 - headParts.length - tailParts.length).fill("0"), ...tailParts] : headParts;
  return Buffer.concat(groups.map((group) => { const b = Buffer.alloc(2); b.writeUInt16BE(parseInt(group, 16)); return b; }));
}

/** One DER TLV. */
function der(tag: number, content: Buffer): Buffer {
  const length = content.length;
  if (length < 0x80) return Buffer.concat([Buffer.from([tag, length]), content]);
  const lengthBytes: number[] = [];
  for (let rest = length; rest > 0; rest >>= 8) lengthBytes.unshift(rest & 0xff);
  return Buffer.concat([Buffer.from([tag, 0x80 | lengthBytes.length, ...lengthBytes]), content]);
}
