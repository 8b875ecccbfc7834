import { X509Certificate } from "node:crypto";
import * as x509 from "@peculiar/x509";
import { AcmeTransport } from "./acme-transport";

export interface RenewalWindow {
  start: number;
  end: number;
}

/**
 * ACME Renewal Information (RFC 9773): the CA's suggested renewal window for a certificate, or
 * undefined when the CA does not offer it (no `renewalInfo` in its directory) or did not answer.
 * A CA moves the window earlier when it must revoke, so podhost renews before that happens.
 */
export async function fetchRenewalWindow(directoryUrl: string, certPem: string): Promise<RenewalWindow | undefined> {
  const transport = new AcmeTransport();
  try {
    const directory = await transport.get(directoryUrl);
    const base = (directory.data as { renewalInfo?: string } | undefined)?.renewalInfo;
    const id = base && certificateId(certPem);
    if (!id) return undefined;
    const response = await transport.get(`${base.replace(/\/$/, "")}/${id}`);
    const window = (response.data as { suggestedWindow?: { start?: string; end?: string } } | undefined)?.suggestedWindow;
    const start = Date.parse(window?.start ?? "");
    const end = Date.parse(window?.end ?? "");
    return response.status === 200 && start <= end ? { start, end } : undefined;
  } finally {
    await transport.close();
  }
}

/** The ARI certificate identifier: base64url(authority key identifier) "." base64url(serial number, DER bytes). */
export function certificateId(certPem: string): string | undefined {
  const keyId = new x509.X509Certificate(certPem).getExtension(x509.AuthorityKeyIdentifierExtension)?.keyId;
  if (!keyId) return undefined;
  const hex = new X509Certificate(certPem).serialNumber;
  let serial = Buffer.from(hex.length % 2 ? `0${hex}` : hex, "hex");
  if (serial[0]! & 0x80) serial = Buffer.concat([Buffer.from([0]), serial]);
  return `${Buffer.from(keyId, "hex").toString("base64url")}.${serial.toString("base64url")}`;
}

/** A uniformly random moment in the window, as RFC 9773 asks (spreads renewals of many clients). */
export function pickRenewalTime(window: RenewalWindow): number {
  return Math.round(window.start + Math.random() * (window.end - window.start));
}
