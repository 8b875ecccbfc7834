import type { PortsState } from "../../shared/ports";
import { PortMappingError } from "./mapper";

export interface Trouble {
  state: PortsState;
  message: string;
  fix: string;
}

/** What a router's refusal means for the user, and what to do about it. */
export function troubleFrom(error: unknown, handForward: string): Trouble {
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
