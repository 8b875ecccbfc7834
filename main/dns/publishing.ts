import type { DnsAddresses, DnsUpdateResult } from "../../shared/dns";
import { list, sameAddresses } from "./engine";

export interface PublishingFacts {
  name: string;
  /** What the provider last accepted for this name. */
  published: DnsAddresses | undefined;
  /** What the last check found this connection's address to be (undefined: not checked since start). */
  current: DnsAddresses | undefined;
  /** The newest update sent, whatever became of it. */
  last: DnsUpdateResult | undefined;
  acceptedAt: number | undefined;
  /** The provider accepted an update with the settings and secrets in force now. */
  verified: boolean;
  /** When the service's timer runs the next check (undefined: the service is stopped). */
  nextRunAt: number | undefined;
}

export interface PublishingWords {
  state?: "published" | "waiting" | "failed";
  message: string;
  /** For a stopped service: that the name points elsewhere, when it does. */
  stale?: string;
}

/**
 * What is true about the name, in words: ✓ "points to A" only when A is this connection's
 * address as last checked, the provider accepted it with the current settings, and the last
 * update succeeded; otherwise what failed, when, where the name points and what the address is now.
 */
export function describePublishing(facts: PublishingFacts): PublishingWords {
  const { name, published, current, last } = facts;
  const here = current && list(current) ? current : undefined;
  const stale = published && here && !sameAddresses(published, here) ? `${name} still points to ${list(published)}, but this connection's address is now ${list(here)}.` : undefined;
  const next = facts.nextRunAt !== undefined && (last === undefined || facts.nextRunAt > last.at) ? ` Trying again at ${clockTime(facts.nextRunAt)}.` : "";
  if (last && last.outcome !== "accepted") {
    const failed = `The update${last.sent ? ` to ${list(last.sent)}` : ""} failed at ${clockTime(last.at)}: ${last.message}`;
    const where = stale ?? (published ? `${name} points to ${list(published)} (accepted at ${clockTime(facts.acceptedAt!)}${facts.verified ? "" : " with the earlier settings"}).` : `${name} has no address from podhost yet.`);
    // Red when the name points elsewhere (the pod cannot be reached by it); a first update still being tried, or a failed refresh of the right address, is a wait.
    return { state: stale ? "failed" : "waiting", message: `${failed} ${where}${next}`, ...(stale ? { stale } : {}) };
  }
  if (!published) return { message: "" };
  const accepted = `accepted at ${clockTime(facts.acceptedAt!)}`;
  if (!here) return { state: "waiting", message: `${name} was set to ${list(published)} (${accepted}); podhost is checking this connection's address.` };
  if (stale) return { state: "waiting", message: `${stale} podhost sends the update${facts.nextRunAt !== undefined ? ` at ${clockTime(facts.nextRunAt)}` : " now"}.`, stale };
  if (!facts.verified) return { state: "waiting", message: `The dynamic DNS settings changed: podhost sends ${list(published)} again${facts.nextRunAt !== undefined ? ` at ${clockTime(facts.nextRunAt)}` : ""} to check them with the provider.` };
  return { state: "published", message: `${name} points to ${list(published)}, this connection's address (${accepted}).` };
}

/** "14:05", the daemon's local time: the user's own clock on their own PC. */
export function clockTime(ms: number): string {
  return new Date(ms).toTimeString().slice(0, 5);
}
