import type { CertsStatus } from "../../shared/certs";
import type { CertificateSource, TxtRecordWriter } from "../contracts";
import type { Service, ServiceContext } from "../service";
import { CertsController } from "./service";

export interface CertsDeps {
  ctx: ServiceContext;
  /** DNS-01 through the dynamic DNS provider, when it supports TXT records. */
  txtRecords: () => TxtRecordWriter | undefined;
  /** ACME preflight: the IPv4 addresses a name resolves to (default: the system resolver). */
  resolveHost?: (name: string) => Promise<string[]>;
  /** ACME preflight: this network's public IPv4 address, when known (from ports/ or dns/). */
  publicAddress?: () => Promise<string | undefined>;
  /** The LAN addresses the local certificate covers (default: private IPv4s of this machine + 127.0.0.1). */
  lanAddresses?: () => string[];
  /** Resolves once the proxy listens and the router ports are settled: ACME waits for it (default: at once). */
  reachable?: () => Promise<void>;
}

export interface CertsService extends Service<CertsStatus> {
  /** What the proxy serves. */
  readonly source: CertificateSource;
  /** `podhost certs renew`: issue now (local or ACME, per certs.mode), ignoring backoff. */
  renewNow(): Promise<CertsStatus>;
  /** `podhost certs ca`: the local CA certificate (PEM), created if needed. */
  caCertificatePem(): Promise<string>;
  /** The same as DER, for the UI's download (Windows and Android prefer .cer/.crt in DER). */
  caCertificateDer(): Promise<Buffer>;
  /** `podhost certs show`: the certificate chain the proxy serves by default. */
  servedCertificatePem(): string | undefined;
}

export function createCertsService(deps: CertsDeps): CertsService {
  const controller = new CertsController(deps);
  return {
    source: controller.store.source,
    configure: (settings) => controller.configure(settings),
    start: () => controller.start(),
    stop: () => controller.stop(),
    status: () => controller.status(),
    onChange: (listener) => controller.events.onChange(listener),
    renewNow: () => controller.renewNow(),
    caCertificatePem: () => controller.caCertificatePem(),
    caCertificateDer: () => controller.caCertificateDer(),
    servedCertificatePem: () => controller.servedCertificatePem(),
  };
}
