import * as z from "zod";
import { hostname, listOf } from "./schema-helpers";
import type { ServiceStatus } from "./service-status";
import type { UserErrorInfo } from "./errors";

export const letsEncryptDirectory = "https://acme-v02.api.letsencrypt.org/directory";
export const letsEncryptStagingDirectory = "https://acme-staging-v02.api.letsencrypt.org/directory";

export const challengeTypes = ["http-01", "tls-alpn-01", "dns-01"] as const;
export type ChallengeType = (typeof challengeTypes)[number];

/** Settings > Certificates. */
export const certsSettings = z.object({
  mode: z.enum(["local", "acme"], { error: 'certs.mode is "local" (LAN only) or "acme" (Let\'s Encrypt).' }).default("local").describe('"local": a certificate from podhost\'s own CA (LAN and tests); "acme": a publicly trusted one (needed to federate).'),
  keyType: z.enum(["ecdsa", "rsa"], { error: 'certs.keyType is "ecdsa" (P-256, fast) or "rsa" (RSA-2048, for very old clients).' }).default("ecdsa").describe('The server key: "ecdsa" (P-256, the default) or "rsa" (RSA-2048, only for very old clients).'),
  aliases: listOf(hostname("certs.aliases[]"), "certs.aliases", 99, "host names").default([]).describe("Other names the certificate covers besides the domain, like www.pod.example.org (a JSON list)."),
  acme: z
    .object({
      // RFC 8555 §6.1: ACME runs over HTTPS only; a test CA on loopback (pebble) is https too.
      directoryUrl: z.url({ protocol: /^https$/, error: "certs.acme.directoryUrl must be an https:// URL (ACME works over HTTPS only), like https://acme-v02.api.letsencrypt.org/directory." }).max(2048, "certs.acme.directoryUrl can be at most 2048 characters long.").default(letsEncryptDirectory).describe(`The ACME directory, an https:// URL (Let's Encrypt by default; staging: ${letsEncryptStagingDirectory}).`),
      email: z.union([z.literal(""), z.email({ error: "certs.acme.email must be an e-mail address (or empty)." }).max(254, "certs.acme.email can be at most 254 characters long.")]).default("").describe("Where the CA may send expiry warnings."),
      challenge: z.enum(["auto", ...challengeTypes], { error: 'certs.acme.challenge is one of "auto", "http-01", "tls-alpn-01", "dns-01".' }).default("auto").describe('How the CA checks the domain is yours: "http-01" (port 80), "tls-alpn-01" (port 443), "dns-01" (a TXT record through the dynamic DNS provider), or "auto" (tries them in that order).'),
    })
    .prefault({}),
});
export type CertsSettings = z.infer<typeof certsSettings>;
export type KeyType = CertsSettings["keyType"];

/** "expired": the served certificate is past its end date (still served: see main/certs/status.ts), which every client refuses. */
export type CertsState = "none" | "issuing" | "valid" | "expiring" | "expired" | "failed";

/** The steps of an ACME order, shown as progress while issuing. */
export const issuanceSteps = ["account", "order", "challenge", "validation", "certificate"] as const;
export type IssuanceStep = (typeof issuanceSteps)[number];

export interface CertificateInfo {
  /** "local" (podhost's CA) or "acme" (the public CA). */
  source: "local" | "acme";
  /** The issuer's common name (or organization). */
  issuer: string;
  /** DNS names and IP addresses the certificate covers. */
  names: string[];
  keyType: KeyType;
  notBefore: number;
  /** Expiry (ms since epoch). */
  notAfter: number;
}

export interface CertsStatus extends ServiceStatus {
  state: CertsState;
  mode?: CertsSettings["mode"];
  /** What the proxy serves by default. */
  certificate?: CertificateInfo;
  /** When the served certificate will be renewed (ms since epoch). */
  nextRenewal?: number;
  /** While issuing: the current step and the challenge type being tried. */
  progress?: { step: IssuanceStep; challenge?: ChallengeType };
  /** The last failure (plain words + fix), kept until an issuance succeeds. */
  lastError?: UserErrorInfo & { at: number };
  /** When podhost tries again after a failure (ms since epoch). */
  nextAttempt?: number;
}

/** Settings > Certificates (and `podhost certs ca --help`): how to trust the local CA, per system. Short on purpose. */
export const caTrustInstructions: Array<{ platform: string; file: "pem" | "der"; steps: string }> = [
  { platform: "Windows", file: "der", steps: "Open the .cer file, choose Install Certificate > Current User > Place all certificates in: Trusted Root Certification Authorities. Chrome and Edge use it; restart the browser." },
  { platform: "macOS", file: "pem", steps: "Open the .pem file in Keychain Access (login keychain), double-click the certificate, Trust > When using this certificate: Always Trust. Safari and Chrome use it." },
  { platform: "Linux", file: "pem", steps: "sudo cp podhost-ca.pem /usr/local/share/ca-certificates/podhost-ca.crt && sudo update-ca-certificates. Chrome/Chromium: Settings > Privacy and security > Security > Manage certificates > Authorities > Import." },
  { platform: "Firefox (any system)", file: "pem", steps: "Settings > Privacy & Security > Certificates > View Certificates > Authorities > Import, then tick 'Trust this CA to identify websites'." },
  { platform: "Android", file: "der", steps: "Settings > Security > Encryption & credentials > Install a certificate > CA certificate, then pick the .crt file. Some apps ignore user CAs; browsers accept it." },
  { platform: "iPhone/iPad", file: "pem", steps: "Open the file in Safari to download the profile, install it under Settings > General > VPN & Device Management, then enable it under Settings > General > About > Certificate Trust Settings." },
];
