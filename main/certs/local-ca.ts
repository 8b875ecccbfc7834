import { createPublicKey, X509Certificate, type KeyObject } from "node:crypto";
import { join } from "node:path";
import * as x509 from "@peculiar/x509";
import type { KeyType } from "../../shared/certs";
import { readTextIfExists, writeFileSafely } from "../store/files";
import { generateKeyPair, importKeyPair, randomSerial, signingAlgorithm, type KeyPair } from "./keys";
import { nameConstraintsExtension, privateIpRanges } from "./name-constraints";

const day = 24 * 60 * 60 * 1000;
/** Apple rejects server certificates valid for more than 398 days; keep a day of margin. */
export const serverCertLifetime = 397 * day;
const caLifetime = 10 * 365 * day;
/** Backdating absorbs small clock differences between the pod and its clients. */
const backdate = 60 * 60 * 1000;

export interface LocalCa {
  certPem: string;
  cert: x509.X509Certificate;
  key: KeyPair;
  /** The DNS names (and their subdomains) the CA may vouch for. */
  dnsNames: string[];
}

export interface IssuedCertificate {
  certPem: string;
  keyPem: string;
}

/**
 * The local CA in `<dir>`: loaded when it covers `dnsNames`, else created (first start, or the
 * domain changed: the old CA's name constraints cannot vouch for the new name). Key file 0600.
 */
export async function loadOrCreateLocalCa(dir: string, dnsNames: string[], now: number): Promise<{ ca: LocalCa; created: boolean }> {
  const paths = { cert: join(dir, "ca.pem"), key: join(dir, "ca-key.pem"), meta: join(dir, "ca.json") };
  const [certPem, keyPem, meta] = await Promise.all([readTextIfExists(paths.cert), readTextIfExists(paths.key), readTextIfExists(paths.meta)]);
  if (certPem && keyPem && meta) {
    const stored = JSON.parse(meta) as { dnsNames: string[] };
    const covered = dnsNames.every((name) => stored.dnsNames.some((permitted) => name === permitted || name.endsWith(`.${permitted}`)));
    const cert = new x509.X509Certificate(certPem);
    if (covered && cert.notAfter.getTime() > now + serverCertLifetime && keyMatches(certPem, keyPem)) {
      return { ca: { certPem, cert, key: await importKeyPair(keyPem), dnsNames: stored.dnsNames }, created: false };
    }
  }
  const ca = await createLocalCa(dnsNames, now);
  // In parallel: a crash part-way leaves a file missing, and a missing file means "create the CA again".
  await Promise.all([writeFileSafely(paths.key, ca.key.pem), writeFileSafely(paths.cert, ca.certPem), writeFileSafely(paths.meta, JSON.stringify({ dnsNames: ca.dnsNames }))]);
  return { ca, created: true };
}

/** A crash while replacing the CA could pair a new key with the old certificate. */
function keyMatches(certPem: string, keyPem: string): boolean {
  const spki = (key: KeyObject) => key.export({ type: "spki", format: "der" });
  return spki(new X509Certificate(certPem).publicKey).equals(spki(createPublicKey(keyPem)));
}

async function createLocalCa(dnsNames: string[], now: number): Promise<LocalCa> {
  const key = await generateKeyPair("ecdsa");
  const label = dnsNames.find((name) => name !== "localhost") ?? "localhost";
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    // The serial in the name keeps two CAs made for the same pod apart in a browser's trust list.
    name: `CN=podhost local CA for ${label} ${randomSerial().slice(0, 8)}, O=podhost`,
    notBefore: new Date(now - backdate),
    notAfter: new Date(now - backdate + caLifetime),
    keys: key.keys,
    signingAlgorithm: signingAlgorithm("ecdsa"),
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      new x509.SubjectKeyIdentifierExtension(key.keyId),
      nameConstraintsExtension(dnsNames, privateIpRanges),
    ],
  });
  return { certPem: cert.toString("pem"), cert, key, dnsNames };
}

export interface ServerCertRequest {
  dnsNames: string[];
  ips: string[];
  keyType: KeyType;
  now: number;
}

/** A server certificate from the local CA: SAN, serverAuth, CA:FALSE, SHA-256, <= 398 days. */
export async function issueServerCertificate(ca: LocalCa, request: ServerCertRequest): Promise<IssuedCertificate> {
  const key = await generateKeyPair(request.keyType);
  const usages = x509.KeyUsageFlags.digitalSignature | (request.keyType === "rsa" ? x509.KeyUsageFlags.keyEncipherment : 0);
  const notBefore = request.now - backdate;
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: `CN=${request.dnsNames[0] ?? "localhost"}`,
    issuer: ca.cert.subject,
    notBefore: new Date(notBefore),
    notAfter: new Date(notBefore + serverCertLifetime),
    publicKey: key.keys.publicKey,
    signingKey: ca.key.keys.privateKey,
    signingAlgorithm: signingAlgorithm("ecdsa"),
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(usages, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([...request.dnsNames.map((value) => ({ type: "dns" as const, value })), ...request.ips.map((value) => ({ type: "ip" as const, value }))]),
      new x509.SubjectKeyIdentifierExtension(key.keyId),
      new x509.AuthorityKeyIdentifierExtension(ca.key.keyId),
    ],
  });
  return { certPem: cert.toString("pem"), keyPem: key.pem };
}
