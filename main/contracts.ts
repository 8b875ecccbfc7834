/**
 * What one capability needs from another. Services never call each other: Host builds each
 * with these functions, backed by the service that owns the answer.
 */
import type { SecureContext } from "node:tls";

/** certs -> proxy: the certificate for a TLS server name, and the ACME challenge answers. */
export interface CertificateSource {
  /** The context for an SNI name; undefined means "use the default certificate". */
  contextFor(servername: string): SecureContext | undefined;
  /** The default context, served when the client sent no (or an unknown) server name. */
  defaultContext(): SecureContext | undefined;
  /** ACME HTTP-01: the key authorization for a pending token, else undefined (404). */
  http01Response(token: string): string | undefined;
  /** ACME TLS-ALPN-01: the challenge certificate for a name while its challenge is pending. */
  tlsAlpn01Context(servername: string): SecureContext | undefined;
  /** Fires when a certificate was issued or renewed, so the proxy serves it from the next handshake. */
  onRenewed(listener: () => void): () => void;
  /** The same certificates as PEM text, for proxy worker processes (a SecureContext cannot cross processes). */
  pemFor?(servername: string): CertificatePem | undefined;
  defaultPem?(): CertificatePem | undefined;
  tlsAlpn01Pem?(servername: string): CertificatePem | undefined;
}

export interface CertificatePem {
  cert: string;
  key: string;
}

/** dns -> certs: DNS-01 through the user's DNS provider. */
export interface TxtRecordWriter {
  setTxt(fqdn: string, value: string): Promise<void>;
  removeTxt(fqdn: string, value: string): Promise<void>;
}

/** ports -> dns, doctor: what the router says. */
export interface RouterView {
  /** The router's WAN address when it is a public one, else undefined. */
  externalIp(): Promise<string | undefined>;
}

/** proxy -> ports, doctor: what is listening where. */
export interface ProxyListeners {
  httpsPort: number;
  httpPort: number;
}
