import type { StatusSnapshot } from "../../shared/status";

/** A status snapshot with a running pod and the given services' statuses, for the tray and CLI models. */
export function snapshotWith(overrides: Partial<StatusSnapshot>): StatusSnapshot {
  return {
    daemon: { version: "test", pid: 1, startedAt: 0, dataDir: "/nowhere", notices: [] },
    pod: { state: "running", message: "The pod is running.", processes: [] },
    proxy: { state: "running", message: "Listening." },
    certs: { state: "valid", message: "Valid." },
    ports: { state: "off", message: "off" },
    dns: { state: "off", message: "off", history: [] },
    backup: { state: "off", message: "Backups are off.", enabled: false },
    ...overrides,
  } as StatusSnapshot;
}
