import { X509Certificate } from "node:crypto";
import { networkInterfaces } from "node:os";

// Cheap helpers about names and addresses, apart from local-ca.ts so that reading a
// certificate's names does not load the X.509 builder.

/** The machine's private IPv4 addresses (where LAN clients reach it) plus 127.0.0.1. */
export function lanAddresses(): string[] {
  const found = Object.values(networkInterfaces())
    .flat()
    .filter((info) => info !== undefined && info.family === "IPv4" && isPrivateIpv4(info.address))
    .map((info) => info!.address);
  return [...new Set(["127.0.0.1", ...found])];
}

function isPrivateIpv4(address: string): boolean {
  const [a = 0, b = 0] = address.split(".").map(Number);
  return a === 10 || a === 127 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168);
}

/** The names of a certificate's SAN (DNS names and IPs), via node's own parser. */
export function certificateNames(certPem: string): string[] {
  const san = new X509Certificate(certPem).subjectAltName ?? "";
  return san.split(", ").filter(Boolean).map((entry) => entry.replace(/^(DNS|IP Address):/, ""));
}
