import * as z from "zod";
import { port } from "./schema-helpers";
import type { ServiceStatus } from "./service-status";
import { judgeAddress, whyNotPublic } from "./addresses";

/** Settings > Network: the router. Off until the user turns it on. */
export const portsSettings = z.object({
  upnp: z
    .boolean({ error: "ports.upnp is true or false." })
    .default(false)
    .describe(
      "Open the proxy's ports on the router automatically (UPnP IGD, NAT-PMP as the fallback). This makes the pod's HTTPS port (and HTTP when ports.mapHttp is on) reachable from the whole internet; podhost's control API is never opened.",
    ),
  externalHttpsPort: port("ports.externalHttpsPort")
    .default(443)
    .describe("The port the internet uses for the pod's HTTPS. Not 443 means the port becomes part of the pod's address (https://domain:PORT/) for good."),
  mapHttp: z.boolean({ error: "ports.mapHttp is true or false." }).default(false).describe("Also open the HTTP port (for ACME HTTP-01 certificates and redirects)."),
  externalHttpPort: port("ports.externalHttpPort").default(80).describe("The port the internet uses for HTTP when ports.mapHttp is on (ACME HTTP-01 needs 80)."),
  discoveryTimeoutMs: z
    .number({ error: "ports.discoveryTimeoutMs must be a number of milliseconds from 1000 to 60000." })
    .int("ports.discoveryTimeoutMs must be a whole number of milliseconds.")
    .min(1000, "ports.discoveryTimeoutMs must be from 1000 to 60000.")
    .max(60000, "ports.discoveryTimeoutMs must be from 1000 to 60000.")
    .default(5000)
    .describe("How long podhost looks for the router before it says none was found (milliseconds)."),
});
export type PortsSettings = z.infer<typeof portsSettings>;

export type PortsState = "off" | "discovering" | "mapped" | "failed" | "unsupported";

/** How the router talks: UPnP IGD (v2 can pick a free port itself) or NAT-PMP. */
export type RouterKind = "upnp-igd2" | "upnp-igd1" | "nat-pmp";

/** What sits between the router and the internet, judged from the router's WAN address. */
export type NatType = "unknown" | "public" | "double-nat" | "cgnat" | "no-public-address";

export type MappingPurpose = "https" | "http";

export interface PortMappingStatus {
  purpose: MappingPurpose;
  protocol: "TCP";
  externalPort: number;
  internalClient: string;
  internalPort: number;
  /** 0 = permanent (the router accepts no other); deleted on stop and after a crash. */
  leaseSeconds: number;
  /** Seconds until the lease runs out, at the time of the snapshot (undefined when permanent). */
  leaseLeftSeconds?: number;
}

export interface RouterInfo {
  kind: RouterKind;
  /** The router's LAN address. */
  address: string;
  /** This PC's address on the router's network (where the mappings point). */
  lanAddress: string;
}

/** The router dropped podhost's mappings while the pod ran (a reboot, most often), and whether they are back. */
export interface RouterInterruption {
  /** When podhost noticed (ms since epoch): at most one check interval after it happened. */
  at: number;
  /** "lost": the router no longer listed the mapping; "restarted": NAT-PMP's epoch went back; "unreachable": the router stopped answering. */
  what: "lost" | "restarted" | "unreachable";
  /** When the mappings were read back from the router again. */
  restoredAt?: number;
}

/** A mapping an earlier podhost run made and did not remove (it crashed): it may still forward until its lease ends. */
export interface LeftoverMapping {
  externalPort: number;
  internalClient: string;
  internalPort: number;
  /** When podhost removed it; undefined while it may still forward. */
  removedAt?: number;
}

export interface PortsStatus extends ServiceStatus {
  state: PortsState;
  natType?: NatType;
  externalIp?: string;
  router?: RouterInfo;
  mappings?: PortMappingStatus[];
  /** When the mappings were last read back from the router ("mapped" means: confirmed then). */
  checkedAt?: number;
  interruption?: RouterInterruption;
  leftovers?: LeftoverMapping[];
}

/** Before the pod's first start: does the router take external 443, and what will the pod's address be? */
export interface PodAddressCheck {
  /** The external HTTPS port the router accepts (443 when possible). Undefined when no router answered. */
  externalPort?: number;
  accepted443: boolean;
  /** https://domain/ or https://domain:PORT/ */
  podUrl: string;
  message: string;
  /** When podhost also opens port 80 (ports.mapHttp): the port the router offers for it. */
  httpPort?: number;
}

/** Judge the router's WAN address with IANA's special-purpose registry: public, private (double NAT), carrier-grade NAT (100.64.0.0/10) or none. */
export function classifyExternalIp(ip: string | undefined): NatType {
  const judged = judgeAddress(ip);
  if (!judged.valid || judged.family !== 4) return "no-public-address";
  if (judged.public) return "public";
  if (judged.special.kind === "private") return "double-nat";
  if (judged.special.kind === "shared") return "cgnat";
  return "no-public-address";
}

/** What a non-public NAT type means for the user, and what they can do instead. */
export function explainNat(natType: NatType, externalIp: string | undefined): { message: string; fix: string } | undefined {
  switch (natType) {
    case "double-nat":
      return {
        message: `Your router's own internet address (${externalIp}) is a private one: another router sits between it and the internet (double NAT), so opening ports on this router alone cannot make the pod reachable.`,
        fix: "Put the provider's modem-router in bridge mode (then this router gets the public address and podhost can open the port), or forward the pod's port by hand on both routers (podhost opens nothing while it sees double NAT), or reach the pod through a tunnel (a small rented server or a tunnel service).",
      };
    case "cgnat":
      return {
        message: `Your router's internet address (${externalIp}) is in 100.64.0.0/10: your provider shares one public address among many customers (carrier-grade NAT), so no port can be opened for you.`,
        fix: "Ask your provider for a public IPv4 address (often free or a small fee), or reach the pod through a tunnel (a small rented server or a tunnel service).",
      };
    case "no-public-address":
      return {
        message: `Your router says it has no public internet address${externalIp ? ` (${whyNotPublic(externalIp)})` : ""}: it is probably behind another router (double NAT) or your provider's carrier-grade NAT, so port forwarding cannot work.`,
        fix: "Check the router's internet connection; if it is online, put the provider's modem-router in bridge mode, ask your provider for a public IPv4 address, or use a tunnel.",
      };
    default:
      return undefined;
  }
}

/** The pod's address for an external HTTPS port: diaspora* keeps it for good. */
export function podUrl(domain: string, externalPort: number): string {
  return externalPort === 443 ? `https://${domain}/` : `https://${domain}:${externalPort}/`;
}
