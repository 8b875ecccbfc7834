import { webcrypto, createHash, createPrivateKey, createPublicKey } from "node:crypto";
import * as x509 from "@peculiar/x509";
import type { KeyType } from "../../shared/certs";

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;

// @peculiar/x509 signs through WebCrypto; node:crypto's implementation does the key work.
x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const ecdsa = { name: "ECDSA", namedCurve: "P-256" } as const;
const rsa = { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" } as const;

/** The algorithm a key signs certificates with (always SHA-256). */
export function signingAlgorithm(type: KeyType) {
  return type === "ecdsa" ? { name: "ECDSA", hash: "SHA-256" } : rsa;
}

export interface KeyPair {
  type: KeyType;
  keys: CryptoKeyPair;
  /** PKCS#8 PEM, for TLS and for the 0600 file. */
  pem: string;
  /** SHA-1 of the SubjectPublicKeyInfo (RFC 7093 style), for SKI/AKI; computed here because @peculiar/x509's own way costs several ms. */
  keyId: string;
}

const keyId = (spki: ArrayBuffer | Buffer) => createHash("sha1").update(Buffer.from(spki as ArrayBuffer)).digest("hex");

/** A new key from node:crypto (P-256 in well under 1 ms; RSA-2048 off the event loop). */
export async function generateKeyPair(type: KeyType): Promise<KeyPair> {
  const algorithm = type === "ecdsa" ? ecdsa : { ...rsa, modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]) };
  const keys = (await webcrypto.subtle.generateKey(algorithm, true, ["sign", "verify"])) as CryptoKeyPair;
  const [der, spki] = await Promise.all([webcrypto.subtle.exportKey("pkcs8", keys.privateKey), webcrypto.subtle.exportKey("spki", keys.publicKey)]);
  return { type, keys, pem: x509.PemConverter.encode(der, "PRIVATE KEY"), keyId: keyId(spki) };
}

/** Load a PEM private key (PKCS#8 or SEC1/PKCS#1) back into a signing key pair. */
export async function importKeyPair(pem: string): Promise<KeyPair> {
  const keyObject = createPrivateKey(pem);
  const type: KeyType = keyObject.asymmetricKeyType === "rsa" ? "rsa" : "ecdsa";
  const algorithm = type === "ecdsa" ? ecdsa : rsa;
  const pkcs8 = keyObject.export({ type: "pkcs8", format: "der" });
  const spki = createPublicKey(keyObject).export({ type: "spki", format: "der" });
  const privateKey: CryptoKey = await webcrypto.subtle.importKey("pkcs8", pkcs8, algorithm, true, ["sign"]);
  const publicKey: CryptoKey = await webcrypto.subtle.importKey("spki", spki, algorithm, true, ["verify"]);
  return { type, keys: { privateKey, publicKey }, pem: keyObject.export({ type: "pkcs8", format: "pem" }) as string, keyId: keyId(spki) };
}

/** A random positive serial number (16 bytes, top bit clear), hex. */
export function randomSerial(): string {
  const bytes = webcrypto.getRandomValues(new Uint8Array(16));
  bytes[0] = (bytes[0]! & 0x7f) | 0x01;
  return Buffer.from(bytes).toString("hex");
}

