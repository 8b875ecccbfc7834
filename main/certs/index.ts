import type { TxtRecordWriter } from "../contracts";
import type { ServiceContext } from "../service";
import { CertsService } from "./service";

export { CertsService } from "./service";

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

export function createCertsService(deps: CertsDeps): CertsService {
  return new CertsService(deps);
}
