import type { NetworkInterfaceInfo } from "node:os";
import type { DnsStatus, DnsUpdateResult } from "../../shared/dns";
import type { RouterView, TxtRecordWriter } from "../contracts";
import type { Service, ServiceContext } from "../service";
import type { SecretsReader } from "../store/secrets";
import { DynamicDns } from "./service";

export interface DnsDeps {
  ctx: ServiceContext;
  router: RouterView;
  secrets: SecretsReader;
  /** Echo services asked when dns.ipEchoUrl is empty (default: a short built-in HTTPS list). Tests pass []. */
  defaultEchoUrls?: string[];
  /** The machine's network interfaces (default: os.networkInterfaces). */
  interfaces?: () => NodeJS.Dict<NetworkInterfaceInfo[]>;
  /** podhost's version for the User-Agent (default: read from package.json). */
  version?: string;
  /** DNS-01: the name servers (host[:port]) that must serve a TXT record before the CA is asked (default: the zone's NS records). */
  authoritativeServers?: (fqdn: string) => Promise<string[]>;
}

export interface DnsService extends Service<DnsStatus> {
  /** DNS-01 for certs, when the chosen provider can set TXT records. */
  txtRecords(): TxtRecordWriter | undefined;
  /** "Update now": sends only what the provider has not accepted yet, unless `force`; the result in plain words. */
  updateNow(options?: { force?: boolean }): Promise<DnsUpdateResult>;
  /** The scheduled check (every 5 minutes), run now. */
  check(): Promise<DnsUpdateResult>;
}

export function createDnsService(deps: DnsDeps): DnsService {
  return new DynamicDns(deps);
}
