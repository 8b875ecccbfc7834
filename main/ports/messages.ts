import { clockTime } from "../../shared/clock-time";
import { podUrl, type LeftoverMapping, type MappingPurpose, type PortsState, type RouterInterruption } from "../../shared/ports";
import { PortMappingError, PortMovedError } from "./mapper";

export interface Trouble {
  state: PortsState;
  message: string;
  fix: string;
}

/** What a router's refusal means for the user, and what to do about it. */
export function troubleFrom(error: unknown, handForward: string, domain: string): Trouble {
  if (error instanceof PortMovedError) return movedTrouble(error.purpose, error.wanted, error.offered, domain, handForward);
  const why = error instanceof Error ? error.message : String(error);
  if (!(error instanceof PortMappingError)) return { state: "failed", message: `Opening the router's ports failed: ${why}.`, fix: `Turn Settings > Network > "Open ports on my router automatically" off and on again, or ${handForward}` };
  switch (error.failure) {
    case "not-authorised":
      return { state: "unsupported", message: `The router refused to open the port: ${why}.`, fix: `Allow UPnP port mapping for this PC in the router's settings, or ${handForward}` };
    case "table-full":
      return { state: "failed", message: `The router's table of port mappings is full: ${why}.`, fix: `Remove port forwardings you no longer use in the router's settings, or ${handForward}` };
    case "conflicts-with-other-mechanisms":
      return { state: "failed", message: `The port clashes with another forwarding rule in the router: ${why}.`, fix: `Remove that rule in the router's settings or choose another external port (ports.externalHttpsPort), or ${handForward}` };
    case "conflict":
      return { state: "failed", message: `The port is already forwarded to another device: ${why}.`, fix: `Choose another external port (ports.externalHttpsPort), or ${handForward}` };
    case "unreachable":
    case "router-restarted":
      return { state: "failed", message: `The router stopped answering: ${why}. podhost will look for it again.`, fix: "Check that the router is on and this PC is connected to it." };
    default:
      return { state: "failed", message: `The router did not open the port: ${why}.`, fix: `Turn the setting off and on again, or ${handForward}` };
  }
}

/** "The router lost the mapping at 21:40; podhost restored it at 21:41." */
export function interruptionSentence(interruption: RouterInterruption | undefined, checkSeconds: number): string {
  if (!interruption) return "";
  const at = clockTime(interruption.at);
  const back = interruption.restoredAt === undefined ? undefined : clockTime(interruption.restoredAt);
  if (!back) {
    if (interruption.what === "unreachable") return ` The router stopped answering at ${at} (restarting?), so the pod is probably unreachable from the internet; podhost looks for it every ${checkSeconds} s.`;
    return ` The router ${interruption.what === "lost" ? "lost the mapping" : "restarted"} at ${at}; podhost is mapping the port again.`;
  }
  switch (interruption.what) {
    case "lost":
      return ` The router lost the mapping at ${at}; podhost restored it at ${back}.`;
    case "restarted":
      return ` The router restarted at ${at} (its NAT-PMP clock went back); podhost mapped the port again at ${back}.`;
    case "unreachable":
      return ` The router stopped answering at ${at} and answered again at ${back}, still holding the mapping.`;
  }
}

/** What a crashed run left on the router: what may still forward, or when it was removed. */
export function leftoverSentence(leftovers: LeftoverMapping[]): string {
  const open = leftovers.filter((l) => l.removedAt === undefined);
  const removed = leftovers.filter((l) => l.removedAt !== undefined);
  const list = (items: LeftoverMapping[]) => items.map((l) => `port ${l.externalPort} to ${l.internalClient}:${l.internalPort}`).join(" and ");
  const parts: string[] = [];
  if (open.length) parts.push(`An earlier podhost run did not stop cleanly: the router may still forward ${list(open)} until its lease ends. podhost removes it as soon as it reaches the router.`);
  if (removed.length) parts.push(`podhost removed what an earlier run left on the router (${list(removed)}) at ${clockTime(Math.max(...removed.map((l) => l.removedAt!)))}.`);
  return parts.join(" ");
}

/** A mapping the router moved to another external port: the pod's address would point at a closed port. */
export function movedTrouble(purpose: MappingPurpose, wanted: number, offered: number, domain: string, handForward: string): Trouble {
  const address = domain ? `The pod's address ${podUrl(domain, purpose === "https" ? wanted : 443)}` : "The pod's address";
  const why =
    purpose === "https"
      ? `${address} uses port ${wanted}, so visitors would find a closed port.`
      : `Let's Encrypt's HTTP-01 check and the redirect to HTTPS need port ${wanted}.`;
  const otherWay = purpose === "http" ? ", or turn off ports.mapHttp and let certificates use TLS-ALPN-01 or DNS-01 (certs.acme.challenge)" : "";
  return {
    state: "failed",
    message: `The router will not forward external port ${wanted} to this PC: it offered port ${offered} instead. ${why}`,
    fix: `Allow port ${wanted} for this PC in the router's UPnP/NAT-PMP settings (many routers refuse ports below 1024)${otherWay}, or ${handForward}`,
  };
}
