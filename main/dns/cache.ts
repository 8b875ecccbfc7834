import { randomBytes } from "node:crypto";
import type { DnsAddresses, DnsUpdateResult } from "../../shared/dns";
import { asObject, readJsonFile, writeFileSafely } from "../store/files";

/**
 * <dataDir>/dns/cache.json: what the provider last accepted and why podhost is holding back,
 * so a restart neither re-sends an unchanged address nor forgets a `badauth` or a `911`.
 */
export interface DnsCache {
  /** provider|name|server that `published` belongs to: a new target must be sent to. */
  target?: string;
  published?: DnsAddresses;
  acceptedAt?: number;
  /** The fingerprint (below) the last accepted update was sent with: settings changed since are not verified yet. */
  acceptedWith?: string;
  lastSentAt?: number;
  /** Salted hash of the settings and secrets the stop and hold below were earned with. */
  fingerprint?: string;
  salt: string;
  /** A fatal reply: no updates until the settings change. */
  stop?: { reason: string };
  /** The provider asked to wait (911), or the network failed (backoff). */
  hold?: { until: number; reason: string; failures: number };
  history: DnsUpdateResult[];
}

export async function loadCache(path: string): Promise<DnsCache> {
  const fresh: DnsCache = { salt: randomBytes(16).toString("hex"), history: [] };
  const read = await readJsonFile(path);
  // A missing or broken cache costs one update at most: start afresh.
  const parsed = read.state === "ok" ? (asObject(read.value) as Partial<DnsCache> | undefined) : undefined;
  if (!parsed) return fresh;
  return { ...fresh, ...parsed, history: Array.isArray(parsed.history) ? parsed.history : [] };
}

export function saveCache(path: string, cache: DnsCache): Promise<void> {
  return writeFileSafely(path, `${JSON.stringify(cache, null, 2)}\n`, 0o600);
}
