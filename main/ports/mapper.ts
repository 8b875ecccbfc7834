import type { MappingPurpose, RouterKind } from "../../shared/ports";

/** One TCP mapping as the router holds it. */
export interface MappingEntry {
  externalPort: number;
  internalClient: string;
  internalPort: number;
  description: string;
  leaseSeconds: number;
}

export interface MappingRequest {
  externalPort: number;
  internalPort: number;
  leaseSeconds: number;
  description: string;
}

/**
 * Our small interface over the router: UPnP IGD v1/v2 and NAT-PMP implement it. The product
 * logic (fallback ports, leases, journal) lives above it and never sees a protocol.
 */
export interface PortMapper {
  readonly kind: RouterKind;
  /** The router's LAN address. */
  readonly routerAddress: string;
  /** This PC's address on the router's network. */
  readonly lanAddress: string;
  /** UPnP only: the device description's URL, as found at discovery. */
  readonly location?: string;
  /** The router's WAN address; "" when it has none. */
  externalIp(): Promise<string>;
  /** Adds (or renews) a mapping; returns the external port actually reserved. */
  add(request: MappingRequest): Promise<number>;
  /** IGD v2 AddAnyPortMapping: the router picks a free port near the requested one. */
  addAny?(request: MappingRequest): Promise<number>;
  /** The mapping on an external port, or undefined when there is none. */
  read(externalPort: number, internalPort: number): Promise<MappingEntry | undefined>;
  remove(externalPort: number, internalPort: number): Promise<void>;
}

/** Why the router said no, as the product logic acts on it. */
export type MappingFailure =
  | "conflict" // 718: someone else holds the port
  | "permanent-only" // 725: only lease 0 accepted
  | "not-authorised" // 606 (and miniupnpd's refusal of low ports on IGD v2)
  | "no-such-entry" // 714
  | "table-full" // 728
  | "conflicts-with-other-mechanisms" // 729
  | "unreachable" // connection refused / timed out: the router went away or restarted
  | "router-restarted" // NAT-PMP epoch went backwards
  | "other";

const failureByUpnpCode: Record<number, MappingFailure> = {
  718: "conflict",
  725: "permanent-only",
  606: "not-authorised",
  714: "no-such-entry",
  728: "table-full",
  729: "conflicts-with-other-mechanisms",
};

export class PortMappingError extends Error {
  constructor(
    readonly failure: MappingFailure,
    /** The router's code (UPnP error code or NAT-PMP result code), when it gave one. */
    readonly code: number | undefined,
    message: string,
  ) {
    super(message);
    this.name = "PortMappingError";
  }

  static fromUpnp(code: number, description: string): PortMappingError {
    return new PortMappingError(failureByUpnpCode[code] ?? "other", code, `the router answered UPnP error ${code} (${description || "no description"})`);
  }
}

/** The router took the mapping only on another external port than the pod's address uses (removed again). */
export class PortMovedError extends PortMappingError {
  constructor(
    readonly purpose: MappingPurpose,
    readonly wanted: number,
    readonly offered: number,
  ) {
    super("other", undefined, `the router offered external port ${offered} instead of ${wanted}`);
    this.name = "PortMovedError";
  }
}

export function isFailure(error: unknown, ...failures: MappingFailure[]): error is PortMappingError {
  return error instanceof PortMappingError && failures.includes(error.failure);
}

export function describeMappingError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
