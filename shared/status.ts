import type { PodStatus } from "./pod";
import type { ProxyStatus } from "./proxy";
import type { CertsStatus } from "./certs";
import type { PortsStatus } from "./ports";
import type { DnsStatus } from "./dns";
import type { BackupStatus } from "./backup";
import type { InstallStatus } from "./install";
import type { ServiceStatus, Tone } from "./service-status";
import type { Notice } from "./notices";

export interface DaemonStatus {
  version: string;
  pid: number;
  startedAt: number;
  dataDir: string;
  /** Things the user should know about the daemon itself, e.g. a settings field that fell back to its default; each stays until fixed or dismissed. */
  notices: Notice[];
  /** Set while the daemon's log file cannot be written (a full disk): what, since when, and how many lines were lost. */
  logProblem?: { message: string; since: number; linesLost: number };
}

/** The status snapshot: `GET /api/status`, `podhost status --json`, every `status` event. */
export interface StatusSnapshot {
  daemon: DaemonStatus;
  pod: PodStatus;
  proxy: ProxyStatus;
  certs: CertsStatus;
  ports: PortsStatus;
  dns: DnsStatus;
  backup: BackupStatus;
  /** "Install diaspora* for me" and upgrades: the steps, their progress, the releases seen (absent from daemons before it). */
  install?: InstallStatus;
}

export const serviceNames = ["pod", "proxy", "certs", "ports", "dns", "backup"] as const;
export type ServiceName = (typeof serviceNames)[number];

const toneByState: Record<string, Tone> = {
  running: "ok", valid: "ok", mapped: "ok", published: "ok",
  starting: "busy", stopping: "busy", issuing: "busy", discovering: "busy", updating: "busy", waiting: "busy",
  degraded: "warn", expiring: "warn", "not-configured": "warn", none: "warn",
  crashed: "error", failed: "error", unsupported: "error",
  expired: "error",
  stopped: "off", off: "off",
  "backed-up": "ok", "backing-up": "busy", checking: "busy", restoring: "busy", never: "warn", overdue: "warn",
};

export function toneOf(status: ServiceStatus): Tone {
  return toneByState[status.state] ?? "warn";
}

/** The tray's one word: the worst of what matters for the pod being up. */
export type OverallState = "stopped" | "starting" | "running" | "failing";

export function overallState(snapshot: StatusSnapshot): OverallState {
  const pod = snapshot.pod.state;
  if (pod === "crashed" || pod === "degraded") return "failing";
  if (pod === "starting" || pod === "stopping") return "starting";
  if (pod !== "running") return "stopped";
  const others = [snapshot.proxy, snapshot.certs, snapshot.ports, snapshot.dns].map(toneOf);
  return others.includes("error") ? "failing" : "running";
}
