import type { MappingPurpose } from "../../shared/ports";
import { isFailure, PortMappingError, type MappingRequest, type PortMapper } from "./mapper";

export interface DesiredMapping {
  purpose: MappingPurpose;
  externalPort: number;
  internalPort: number;
}

export interface Reserved {
  externalPort: number;
  leaseSeconds: number;
}

/** Every podhost mapping's description starts with this word; we touch no other. */
export const descriptionPrefix = "podhost";

/** How many successive high ports to try on an IGD v1 router when one is taken. */
const fallbackTries = 10;

/** The first high port to fall back to: 443 -> 8443, 80 -> 8080, else the next one up. */
export function fallbackPort(externalPort: number): number {
  return externalPort < 1024 ? externalPort + 8000 : externalPort + 1;
}

/**
 * Reserve `want` on the router: the wanted port first; when it is taken (718) or refused
 * because it is below 1024 (606/718), IGD v2's AddAnyPortMapping or the next free high
 * port; 725 (only permanent leases) retried with lease 0. Other refusals are thrown.
 */
export async function reservePort(mapper: PortMapper, want: DesiredMapping, leaseSeconds: number, description = `${descriptionPrefix} ${want.purpose}`): Promise<Reserved> {
  const request: MappingRequest = { externalPort: want.externalPort, internalPort: want.internalPort, leaseSeconds, description };
  try {
    return await withLeaseFallback(request, (r) => mapper.add(r));
  } catch (error) {
    const refusedLowPort = want.externalPort < 1024 && isFailure(error, "not-authorised", "conflict");
    if (!refusedLowPort && !isFailure(error, "conflict")) throw error;
  }
  const first = fallbackPort(want.externalPort);
  if (mapper.addAny) return withLeaseFallback({ ...request, externalPort: first }, mapper.addAny);
  for (let port = first; port < first + fallbackTries && port <= 65535; port++) {
    try {
      return await withLeaseFallback({ ...request, externalPort: port }, (r) => mapper.add(r));
    } catch (error) {
      if (!isFailure(error, "conflict")) throw error;
    }
  }
  throw new PortMappingError("conflict", 718, `external ports ${first} to ${first + fallbackTries - 1} are all taken on the router`);
}

async function withLeaseFallback(request: MappingRequest, add: (r: MappingRequest) => Promise<number>): Promise<Reserved> {
  try {
    return { externalPort: await add(request), leaseSeconds: request.leaseSeconds };
  } catch (error) {
    if (!isFailure(error, "permanent-only") || request.leaseSeconds === 0) throw error;
    return { externalPort: await add({ ...request, leaseSeconds: 0 }), leaseSeconds: 0 };
  }
}

/** Read a mapping back as the router holds it: it must point at this PC's proxy port. */
export async function readBack(mapper: PortMapper, externalPort: number, internalPort: number): Promise<void> {
  const entry = await mapper.read(externalPort, internalPort);
  if (!entry) throw new PortMappingError("other", undefined, `the router accepted external port ${externalPort} but does not list it when asked`);
  if (entry.internalClient !== mapper.lanAddress || entry.internalPort !== internalPort) {
    throw new PortMappingError("other", undefined, `the router lists external port ${externalPort} for ${entry.internalClient}:${entry.internalPort}, not for this PC (${mapper.lanAddress}:${internalPort})`);
  }
}

/** Remove a mapping only when it is ours (NAT-PMP can only ever remove this PC's own). */
export async function removeIfOurs(mapper: PortMapper, externalPort: number, internalPort: number, internalClient = mapper.lanAddress): Promise<boolean> {
  if (mapper.kind !== "nat-pmp") {
    const entry = await mapper.read(externalPort, internalPort);
    if (!entry || !entry.description.startsWith(descriptionPrefix) || entry.internalClient !== internalClient) return false;
  }
  await mapper.remove(externalPort, internalPort);
  return true;
}
