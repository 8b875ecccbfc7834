import type { DnsProviderId } from "../../../shared/dns";
import { cloudflare } from "./cloudflare";
import { desec } from "./desec";
import { duckdns } from "./duckdns";
import { dnsomatic, dynu, dyndns2, he, noip } from "./dyndns2";
import { freedns } from "./freedns";
import { namecheap } from "./namecheap";
import { rfc2136 } from "./rfc2136";
import type { ProviderModule } from "./types";

export const providers: Record<Exclude<DnsProviderId, "none">, ProviderModule> = {
  duckdns, cloudflare, desec, dyndns2, noip, dynu, he, dnsomatic, namecheap, freedns, rfc2136,
};
