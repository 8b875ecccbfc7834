import * as z from "zod";
import type { Settings } from "./settings";
import type { StatusSnapshot } from "./status";
import type { LogLine } from "./logs";
import type { UserErrorInfo } from "./errors";
import type { DnsUpdateResult } from "./dns";
import type { CertsStatus } from "./certs";
import type { PodCheck } from "./pod";
import type { DoctorReport } from "./doctor";
import type { PodAddressCheck } from "./ports";
import { webServerCheckParams, webServerSnippetParams, type CheckResult, type Snippet, type WebServerDetection } from "./webserver";

/**
 * The control API: one typed contract for the tray, the web UI and the CLI.
 * A command is `POST /api/<name>` with JSON params and a JSON result; `GET /api/status` and
 * `GET /api/events` (server-sent events) are the read side. Params are validated by the
 * daemon with the schema here; results are typed by the phantom `result` field.
 */
export interface CommandSpec<P extends z.ZodType, R> {
  params: P;
  /** Whether the command changes state (refused with a foreign Origin, logged). */
  mutates: boolean;
  summary: string;
  /** Type-only: the result's shape. */
  result?: R;
}

export function command<R>() {
  return <P extends z.ZodType>(spec: { params: P; mutates: boolean; summary: string }): CommandSpec<P, R> => spec;
}

const none = z.object({}).strict();

export interface SecretState {
  set: boolean;
  /** A masked hint like "••••3f9a", never the whole value. */
  hint?: string;
}

export interface SettingsView {
  settings: Settings;
  secrets: Record<string, SecretState>;
  /** Keys that cannot change any more, with the reason (e.g. the pod's URL after the first start). */
  locked: Record<string, string>;
  /** What is saved now (settings and secrets); a save that names an older one is refused. */
  revision: string;
}

export const commands = {
  "status.get": command<StatusSnapshot>()({ params: none, mutates: false, summary: "The status snapshot." }),
  "pod.start": command<StatusSnapshot>()({ params: none, mutates: true, summary: "Start the pod and everything in front of it." }),
  "pod.stop": command<StatusSnapshot>()({ params: none, mutates: true, summary: "Stop the pod and everything in front of it." }),
  "pod.restart": command<StatusSnapshot>()({ params: none, mutates: true, summary: "Restart the pod." }),
  "pod.check": command<PodCheck>()({ params: none, mutates: false, summary: "What would stop the pod from starting with the current settings, checked without starting it." }),
  "pod.resetIdentity": command<StatusSnapshot>()({ params: none, mutates: true, summary: "Forget the pod's permanent address (for a new pod); refused while the pod runs." }),
  "settings.get": command<SettingsView>()({ params: none, mutates: false, summary: "All settings, and which secrets are set." }),
  "settings.set": command<SettingsView>()({
    params: z.object({ changes: z.record(z.string(), z.unknown()), baseRevision: z.string().optional() }).strict(),
    mutates: true,
    summary: "Change settings (dotted key -> value); validated as a whole, saved atomically; refused if baseRevision is given and is not the saved one.",
  }),
  "logs.tail": command<{ lines: LogLine[]; lastEventId: number }>()({
    params: z.object({ lines: z.number().int().min(1).max(5000).default(200) }).strict(),
    mutates: false,
    summary: "The last log lines.",
  }),
  "dns.update": command<DnsUpdateResult>()({
    params: z.object({ force: z.boolean().default(false) }).strict(),
    mutates: true,
    summary: "Update now: send this connection's address to the DNS provider (only if it changed, unless force).",
  }),
  "certs.renew": command<CertsStatus>()({ params: none, mutates: true, summary: "Get a new certificate now (local, or ACME while the pod runs), ignoring backoff." }),
  "certs.ca": command<{ pem?: string; derBase64?: string }>()({
    params: z.object({ format: z.enum(["pem", "der"], { error: 'format is "pem" or "der".' }).default("pem") }).strict(),
    mutates: false,
    summary: "The local CA's certificate, to trust it on this network's devices.",
  }),
  "certs.show": command<{ pem?: string }>()({ params: none, mutates: false, summary: "The certificate chain the proxy serves by default." }),
  "doctor.run": command<DoctorReport>()({ params: none, mutates: false, summary: "Check every hop from the internet to the pod, each with the reason and the fix." }),
  "ports.checkPodAddress": command<PodAddressCheck>()({
    params: z.object({ domain: z.string().optional() }).strict(),
    mutates: false,
    summary: "Before the first start: does the router take external 443, and what will the pod's address be?",
  }),
  "webserver.detect": command<WebServerDetection>()({ params: none, mutates: false, summary: "Which web server holds ports 80/443 on this PC." }),
  "webserver.snippet": command<Snippet>()({ params: webServerSnippetParams, mutates: false, summary: "The config for the user's own web server to forward the pod to podhost." }),
  "webserver.check": command<CheckResult>()({ params: webServerCheckParams, mutates: false, summary: "Request the discovery paths through the user's web server and compare with the pod's own answers." }),
} as const;

export type Commands = typeof commands;
export type CommandName = keyof Commands;
export type CommandParams<K extends CommandName> = z.input<Commands[K]["params"]>;
export type ParsedParams<K extends CommandName> = z.output<Commands[K]["params"]>;
export type CommandResult<K extends CommandName> = NonNullable<Commands[K]["result"]>;

export function isCommandName(name: string): name is CommandName {
  return Object.hasOwn(commands, name);
}

/** The body of every failed request. */
export interface ApiErrorBody {
  error: UserErrorInfo;
}

export const apiPaths = {
  status: "/api/status",
  events: "/api/events",
  session: "/api/session",
  command: (name: CommandName) => `/api/${name}`,
} as const;
