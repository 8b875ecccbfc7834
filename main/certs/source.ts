import { X509Certificate } from "node:crypto";
import { isIP } from "node:net";
import { createSecureContext, type SecureContext } from "node:tls";
import type { CertificatePem, CertificateSource } from "../contracts";

export interface ServedCertificate {
  certPem: string;
  keyPem: string;
  context: SecureContext;
  x509: X509Certificate;
}

export function servedCertificate(certPem: string, keyPem: string): ServedCertificate {
  return { certPem, keyPem, context: createSecureContext({ cert: certPem, key: keyPem }), x509: new X509Certificate(certPem) };
}

function pemOf(cert: ServedCertificate | undefined): CertificatePem | undefined {
  return cert && { cert: cert.certPem, key: cert.keyPem };
}

function covers(cert: ServedCertificate, servername: string): boolean {
  return isIP(servername) ? cert.x509.checkIP(servername) !== undefined : cert.x509.checkHost(servername) !== undefined;
}

/**
 * What the proxy serves: the public (ACME) certificate when there is one, the local CA's for
 * names only it covers (localhost, LAN IPs), and the answers to pending ACME challenges.
 * Swapping a certificate affects the next handshake only; open connections keep theirs.
 */
export class CertificateStore {
  private local?: ServedCertificate;
  private acme?: ServedCertificate;
  private readonly http01 = new Map<string, string>();
  private readonly tlsAlpn01 = new Map<string, { pem: CertificatePem; context: SecureContext }>();
  private readonly listeners = new Set<() => void>();

  readonly source: CertificateSource = {
    contextFor: (servername) => this.covering(servername)?.context,
    defaultContext: () => this.served()?.context,
    http01Response: (token) => this.http01.get(token),
    tlsAlpn01Context: (servername) => this.tlsAlpn01.get(servername.toLowerCase())?.context,
    pemFor: (servername) => pemOf(this.covering(servername)),
    defaultPem: () => pemOf(this.served()),
    tlsAlpn01Pem: (servername) => this.tlsAlpn01.get(servername.toLowerCase())?.pem,
    onRenewed: (listener) => {
      this.listeners.add(listener);
      return () => this.listeners.delete(listener);
    },
  };

  private covering(servername: string): ServedCertificate | undefined {
    const name = servername.toLowerCase();
    return [this.acme, this.local].find((cert) => cert !== undefined && covers(cert, name));
  }

  /** The default certificate: the public one once issued, else the local one. */
  served(): ServedCertificate | undefined {
    return this.acme ?? this.local;
  }

  setLocal(cert: ServedCertificate): void {
    this.local = cert;
    this.renewed();
  }

  setAcme(cert: ServedCertificate | undefined): void {
    if (cert === this.acme) return;
    this.acme = cert;
    this.renewed();
  }

  acmeCertificate(): ServedCertificate | undefined {
    return this.acme;
  }

  localCertificate(): ServedCertificate | undefined {
    return this.local;
  }

  setHttp01(token: string, keyAuthorization: string | undefined): void {
    if (keyAuthorization === undefined) this.http01.delete(token);
    else this.http01.set(token, keyAuthorization);
  }

  setTlsAlpn01(servername: string, pem: CertificatePem | undefined): void {
    if (pem === undefined) this.tlsAlpn01.delete(servername);
    else this.tlsAlpn01.set(servername, { pem, context: createSecureContext(pem) });
  }

  private renewed(): void {
    for (const listener of this.listeners) listener();
  }
}
