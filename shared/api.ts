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
import type { BackupRecord, BackupSetupResult, CheckRecord, RestoreResult, SnapshotInfo } from "./backup";
import type { InstallPlan, InstallStatus, ReleaseInfo, SystemCheck } from "./install";
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
/** A release tag like v0.9.1.0 (letters, digits, dots, dashes; never an option for git). */
const releaseTag = z.string().regex(/^[A-Za-z0-9][\w.-]{0,99}$/, "version is a release tag like v0.9.1.0.").optional();

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
  "sessions.revokeAll": command<{ revoked: number }>()({
    params: none,
    mutates: true,
    summary: "Sign out every browser that opened podhost's UI: their sessions end at once (the link still works; open it again).",
  }),
  "notices.dismiss": command<StatusSnapshot>()({
    params: z.object({ id: z.string().min(1).max(200) }).strict(),
    mutates: true,
    summary: "Dismiss a notice (status.daemon.notices) by its id; it stays dismissed.",
  }),
  "backup.setup": command<BackupSetupResult>()({
    params: z.object({ repository: z.string().trim().min(1, "repository: give a folder, sftp:user@host:/path, rclone:remote:path or rest:http://host:port/."), passphrase: z.string().optional() }).strict(),
    mutates: true,
    summary: "Use a backup repository: a new one (podhost makes the passphrase when none is given, and answers it once) or an existing one opened with its passphrase.",
  }),
  "backup.now": command<BackupRecord>()({ params: none, mutates: true, summary: "Back up the pod now; answers when the backup is saved (progress is in the status)." }),
  "backup.cancel": command<{ cancelled: boolean }>()({ params: none, mutates: true, summary: "Cancel the running backup, check or restore; the repository stays consistent." }),
  "backup.check": command<CheckRecord>()({
    params: z.object({ readPercent: z.number().int().min(0).max(100).optional() }).strict(),
    mutates: true,
    summary: "Verify the backup repository, reading back part of the data (default: backup.checkReadPercent).",
  }),
  "backup.list": command<{ snapshots: SnapshotInfo[] }>()({ params: none, mutates: false, summary: "The pod's backups, newest first: date, size and what each holds." }),
  "backup.restore": command<RestoreResult>()({
    params: z.object({ snapshotId: z.string().regex(/^[0-9a-f]{8,64}$/, "snapshotId is a snapshot's id (8 to 64 hex digits) from the backup list."), podDir: z.string().optional(), confirmOverRunningPod: z.boolean().default(false) }).strict(),
    mutates: true,
    summary: "Restore a backup into this data dir (and the pod's files into podDir); refused over a running pod unless confirmed.",
  }),
  "install.plan": command<InstallPlan>()({
    params: z.object({ kind: z.enum(["install", "upgrade"]).default("install"), version: releaseTag }).strict(),
    mutates: false,
    summary: "What an install or upgrade of diaspora* will do, and the disk and time it takes (asks the repository for its releases).",
  }),
  "install.checkSystem": command<SystemCheck>()({ params: none, mutates: false, summary: "Check this computer for what diaspora* needs, each missing piece with the command for this OS." }),
  "install.start": command<InstallStatus>()({ params: z.object({ version: releaseTag }).strict(), mutates: true, summary: "Install diaspora* (the newest stable release, or version) into podhost's data folder." }),
  "install.upgrade": command<InstallStatus>()({ params: z.object({ version: releaseTag }).strict(), mutates: true, summary: "Upgrade the diaspora* podhost installed: backup, stop, fetch, bundle, migrate, precompile, start, health check; back to the old release on failure." }),
  "install.retry": command<InstallStatus>()({ params: none, mutates: true, summary: "Run the failed or cancelled install step again, and the ones after it." }),
  "install.cancel": command<InstallStatus>()({ params: none, mutates: true, summary: "Cancel the running install or upgrade step and undo what it wrote." }),
  "install.checkReleases": command<ReleaseInfo>()({ params: none, mutates: true, summary: "Ask the repository for diaspora*'s releases now (git ls-remote --tags)." }),
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
