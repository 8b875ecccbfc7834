import type { StatusSnapshot } from "../../shared/status";
import type { DnsAddresses } from "../../shared/dns";

export interface TrayNotification {
  title: string;
  body: string;
}

/**
 * What deserves a desktop notification between two snapshots: things the user must act on or
 * should know even with the window closed. Pure, so the tray shows exactly what tests expect.
 */
export function notificationsFor(before: StatusSnapshot | undefined, after: StatusSnapshot): TrayNotification[] {
  if (!before) return [];
  const out: TrayNotification[] = [];
  if (before.pod.state !== "crashed" && after.pod.state === "crashed") out.push({ title: "Your pod stopped", body: after.pod.message });
  if (before.certs.state !== "expiring" && after.certs.state === "expiring") out.push({ title: "The pod's certificate expires soon", body: after.certs.message });
  if (before.certs.state !== "expired" && after.certs.state === "expired") out.push({ title: "The pod's certificate has expired", body: after.certs.message });
  if (before.dns.state !== "failed" && after.dns.state === "failed") {
    // Failed is either stopped for good (a refused password) or an update being retried while the name points elsewhere.
    const retrying = after.dns.lastUpdate?.outcome === "retrying" || after.dns.lastUpdate?.outcome === "waiting";
    out.push({ title: retrying ? "The pod's name points to an old address" : "Dynamic DNS stopped", body: after.dns.message });
  }
  if (before.backup && after.backup && before.backup.state !== after.backup.state && (after.backup.state === "overdue" || after.backup.state === "failed")) out.push({ title: after.backup.state === "failed" ? "A backup of your pod failed" : "Your pod has not been backed up for days", body: after.backup.message });
  const update = after.dns.lastUpdate;
  if (update && update.at !== before.dns.lastUpdate?.at && update.outcome === "accepted" && update.previous && update.sent) {
    // A new address also matters to certificates and to other pods: say it, once.
    out.push({ title: "Your home address changed", body: `${after.dns.name ?? "The pod's name"} now points to ${addresses(update.sent)} (was ${addresses(update.previous)}).` });
  }
  return out;
}

function addresses(value: DnsAddresses): string {
  return [value.ipv4, value.ipv6].filter(Boolean).join(" and ") || "nothing";
}
