import type { OverallState, StatusSnapshot } from "../../shared/status";
import { overallState } from "../../shared/status";
import { backupGlance } from "../../shared/backup";

/** The tray menu as data: main.ts turns it into an Electron menu, tests read it directly. */
export type TrayAction = "start" | "stop" | "restart" | "open" | "openPod" | "toggleAutostart" | "toggleKeepRunning" | "installCli" | "quit";

export type TrayMenuItem =
  | { type: "item"; id: TrayAction; label: string; enabled: boolean }
  /** A line of status, shown greyed out: the tray is a glance at the pod. */
  | { type: "info"; label: string }
  | { type: "checkbox"; id: TrayAction; label: string; checked: boolean }
  | { type: "separator" };

export interface TrayModel {
  state: OverallState;
  tooltip: string;
  /** Which of build/tray-<icon>.png to show. */
  icon: OverallState;
  /** Where "Open my pod" goes (follows the settings). */
  podUrl?: string;
  items: TrayMenuItem[];
}

/** What Quit will do: the menu says it before the user picks it. */
export interface QuitChoice {
  keepPodRunning: boolean;
  /** "attached": the daemon runs as a service or from a terminal, and outlives the tray whatever is chosen. */
  ownership: "owned" | "attached";
}

function quitItems(quit: QuitChoice | undefined): TrayMenuItem[] {
  if (!quit) return [{ type: "item", id: "quit", label: "Quit podhost", enabled: true }];
  const after = quit.keepPodRunning ? "Quit leaves the pod running" : quit.ownership === "attached" ? "Quit stops the pod (podhost itself runs on as a service)" : "Quit stops the pod first";
  return [
    { type: "checkbox", id: "toggleKeepRunning", label: "Keep the pod running when podhost closes", checked: quit.keepPodRunning },
    { type: "info", label: after },
    { type: "item", id: "quit", label: "Quit podhost", enabled: true },
  ];
}

const stateWords: Record<OverallState, string> = {
  stopped: "stopped",
  starting: "starting…",
  running: "running",
  failing: "needs attention",
};

/** A pure function from status to tray: icon, tooltip and menu follow the pod. */
export function trayModel(snapshot: StatusSnapshot | undefined, options: { podUrl: string | undefined; autostart: boolean; quit?: QuitChoice }): TrayModel {
  if (!snapshot) {
    return {
      state: "starting",
      icon: "starting",
      tooltip: "podhost: starting…",
      items: [
        { type: "item", id: "open", label: "Open podhost", enabled: false },
        { type: "separator" },
        ...quitItems(options.quit),
      ],
    };
  }
  const state = overallState(snapshot);
  const pod = snapshot.pod.state;
  const canStart = pod === "stopped" || pod === "crashed";
  const canStop = pod === "running" || pod === "starting" || pod === "degraded";
  const problem = state === "failing" ? ` — ${firstProblem(snapshot)}` : "";
  return {
    state,
    icon: state,
    tooltip: `podhost: pod ${stateWords[state]}${problem}`,
    ...(options.podUrl ? { podUrl: options.podUrl } : {}),
    items: [
      ...glance(snapshot),
      { type: "separator" },
      { type: "item", id: "start", label: "Start pod", enabled: canStart },
      { type: "item", id: "stop", label: "Stop pod", enabled: canStop },
      { type: "item", id: "restart", label: "Restart pod", enabled: pod === "running" || pod === "degraded" },
      { type: "separator" },
      { type: "item", id: "open", label: "Open podhost", enabled: true },
      { type: "item", id: "openPod", label: "Open my pod", enabled: pod === "running" && options.podUrl !== undefined },
      { type: "separator" },
      { type: "checkbox", id: "toggleAutostart", label: "Start at login", checked: options.autostart },
      { type: "item", id: "installCli", label: "Install command-line tool", enabled: true },
      ...quitItems(options.quit),
    ],
  };
}

/** The pod, its name and address, the router's mapping and the certificate, one short line each. */
function glance(snapshot: StatusSnapshot): TrayMenuItem[] {
  const lines = [`Pod: ${snapshot.pod.state.replace("-", " ")}`];
  const { dns, ports, certs } = snapshot;
  const published = [dns.published?.ipv4, dns.published?.ipv6].filter(Boolean).join(", ");
  if (dns.name && published) lines.push(`Name: ${dns.name} → ${published}`);
  else if (dns.state !== "off") lines.push(`Name: ${dns.state}`);
  const https = ports.mappings?.find((mapping) => mapping.purpose === "https");
  if (https) lines.push(`Router: port ${https.externalPort} → this PC ${https.internalPort}${ports.externalIp ? ` (${ports.externalIp})` : ""}`);
  else if (ports.state !== "off") lines.push(`Router: ${ports.state}`);
  if (certs.certificate) lines.push(`Certificate: ${certs.state === "expired" ? "expired" : certs.state === "expiring" ? "expires" : "valid until"} ${new Date(certs.certificate.notAfter).toISOString().slice(0, 10)}`);
  if (snapshot.backup) lines.push(`Backups: ${backupGlance(snapshot.backup, Date.now())}`);
  return lines.map((label) => ({ type: "info", label }));
}

function firstProblem(snapshot: StatusSnapshot): string {
  for (const name of ["pod", "proxy", "certs", "ports", "dns"] as const) {
    const status = snapshot[name];
    if (["crashed", "degraded", "failed", "unsupported"].includes(status.state)) return status.message;
  }
  return "see podhost";
}
