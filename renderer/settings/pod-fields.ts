import type { FieldLook, FormValues } from "./sections";

/**
 * Settings > Pod follows the chosen profile: a diaspora* checkout needs only its folder; a
 * custom command needs the program, its arguments and how to tell it is up.
 */
const profileLabels: Record<string, string> = { diaspora: "diaspora*", custom: "Custom command (other pod software, or a container)" };

const onlyFor: Record<string, "diaspora" | "custom"> = {
  "pod.dir": "diaspora",
  "pod.command": "custom",
  "pod.args": "custom",
  "pod.cwd": "custom",
  "pod.env": "custom",
  "pod.socketPath": "custom",
  "pod.healthUrl": "custom",
  "pod.install.repository": "diaspora",
  "pod.install.checkReleases": "diaspora",
};

const looks: Record<string, FieldLook> = {
  "pod.profile": { label: "Pod software", optionLabels: profileLabels, order: 0 },
  "pod.dir": { label: "diaspora* folder (your checkout)", placeholder: "/home/you/diaspora", order: 1 },
  "pod.command": { label: "Command", placeholder: "docker", order: 1 },
  "pod.args": { label: "Arguments (a JSON list)", placeholder: '["compose", "up"]', order: 2 },
  "pod.cwd": { label: "Working folder (empty: your home folder)", order: 3 },
  "pod.env": { label: "Environment variables (a JSON object)", placeholder: '{"RAILS_ENV": "production"}', order: 4 },
  "pod.port": { label: "Port the pod listens on (on this computer)", order: 5 },
  "pod.socketPath": { label: "Unix socket instead of the port (optional)", order: 6 },
  "pod.healthUrl": { label: "Health check URL (optional)", placeholder: "http://127.0.0.1:3000/health", order: 7 },
  "pod.managedRedis": { label: "Start Redis for the pod when none is running", order: 8 },
  "pod.managedPostgres": { label: "Run the pod's PostgreSQL in podhost's data dir (backed up with the pod)", order: 9 },
  "pod.stopTimeoutMs": { label: "Time to stop before podhost kills it (ms)" },
  "pod.install.repository": { label: "Where podhost gets diaspora* releases (git)", order: 20 },
  "pod.install.checkReleases": { label: "Look for new diaspora* releases once a day", order: 21 },
};

export const podAdvanced = (key: string) => key === "pod.stopTimeoutMs";

export function podFieldLook(key: string, values: FormValues): FieldLook | undefined {
  const only = onlyFor[key];
  return only && values("pod.profile") !== only ? { hidden: true } : looks[key];
}
