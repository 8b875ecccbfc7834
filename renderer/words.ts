import type { ServiceName, OverallState } from "../shared/status";
import type { Tone } from "../shared/service-status";

/** The names a home user sees for each service (the snapshot's keys are the code's names). */
export const serviceTitles: Record<ServiceName, string> = {
  pod: "Pod",
  proxy: "Proxy",
  ports: "Network",
  dns: "Domain",
  certs: "Certificate",
  backup: "Backups",
};

/** "not-configured" -> "not configured". */
export const stateWord = (state: string) => state.replace(/-/g, " ");

export const overallTone: Record<OverallState, Tone> = { stopped: "off", starting: "busy", running: "ok", failing: "error" };

export function formatDuration(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours} h ${minutes % 60} min`;
  return `${Math.floor(hours / 24)} d ${hours % 24} h`;
}
