import type { StatusSnapshot } from "../../shared/status";
import { serviceNames, toneOf, overallState } from "../../shared/status";
import { formatLogLine } from "../log";
import type { LogLine } from "../../shared/logs";

const labels = { pod: "Pod", proxy: "Proxy", certs: "Certificate", ports: "Router ports", dns: "Domain" } as const;

/** `podhost status` for people: one line a service, and what to do next. */
export function formatStatus(snapshot: StatusSnapshot): string {
  const lines = [`podhost ${snapshot.daemon.version}: ${overallState(snapshot)}`];
  for (const notice of snapshot.daemon.notices) lines.push(`! ${notice}`);
  for (const name of serviceNames) {
    const status = snapshot[name];
    const mark = { ok: "✓", busy: "…", warn: "!", error: "✗", off: "-" }[toneOf(status)];
    lines.push(`${mark} ${labels[name].padEnd(13)}${status.state.padEnd(15)}${status.message}${status.action ? `  → ${status.action.label}` : ""}`);
  }
  return lines.join("\n");
}

export function printLogLine(line: LogLine): void {
  console.log(formatLogLine(line));
}
