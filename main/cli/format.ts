import type { StatusSnapshot } from "../../shared/status";
import { describeError } from "../../shared/errors";
import { serviceNames, toneOf, overallState } from "../../shared/status";
import { formatLogLine } from "../log";
import type { LogLine } from "../../shared/logs";
import type { DoctorReport } from "../../shared/doctor";

const labels = { pod: "Pod", proxy: "Proxy", certs: "Certificate", ports: "Router ports", dns: "Domain", backup: "Backups" } as const;

/** `podhost status` for people: one line a service, and what to do next. */
export function formatStatus(snapshot: StatusSnapshot): string {
  const lines = [`podhost ${snapshot.daemon.version}: ${overallState(snapshot)}`];
  if (snapshot.daemon.logProblem) lines.push(`! ${snapshot.daemon.logProblem.message} (${snapshot.daemon.logProblem.linesLost} lines lost so far)`);
  for (const notice of snapshot.daemon.notices) lines.push(`! ${notice.text} (dismiss: podhost notices dismiss ${notice.id})`);
  for (const name of serviceNames) {
    const status = snapshot[name];
    const mark = { ok: "✓", busy: "…", warn: "!", error: "✗", off: "-" }[toneOf(status)];
    lines.push(`${mark} ${labels[name].padEnd(13)}${status.state.padEnd(15)}${status.message}${status.action ? `  → ${status.action.label}` : ""}`);
  }
  for (const problem of snapshot.pod.problems ?? []) lines.push(`  ✗ ${describeError(problem)}`);
  if (snapshot.pod.state === "crashed" && snapshot.pod.lastLines?.length) lines.push("  Last lines of its log:", ...snapshot.pod.lastLines.slice(-10).map((line) => `    ${line}`));
  return lines.join("\n");
}

export function printLogLine(line: LogLine): void {
  console.log(formatLogLine(line));
}

/** `podhost doctor`: the path from the internet to the pod, one hop a line, with the fix under a problem. */
export function formatDoctor(report: DoctorReport): string {
  const marks = { ok: "✓", warn: "!", fail: "✗", skipped: "-" } as const;
  const lines = report.hops.flatMap((hop) => [`${marks[hop.state]} ${hop.label.padEnd(11)} ${hop.reason}`, ...(hop.fix && hop.state !== "ok" ? [`  → ${hop.fix}`] : [])]);
  return [...lines, "", report.summary].join("\n");
}
