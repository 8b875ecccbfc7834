import type { LogLine } from "./logs";
import type { StatusSnapshot } from "./status";

/**
 * The daemon's event stream (`GET /api/events`), after Syncthing's `/rest/events`: every event has
 * an increasing id and a type, and a client that says where it stopped (`since`, or SSE's
 * `Last-Event-ID`) gets every later event once, or an explicit "behind" event when the daemon no
 * longer holds them (then it re-reads the snapshot, `GET /api/status`, which names the last event
 * it reflects, and follows on from there).
 *
 * Long operations (backups, the pod installer) report progress in their own service status, so it
 * arrives as `status` events; the daemon coalesces those per service, so progress can't flood it.
 */
export interface EventData {
  /** One part of the status snapshot changed: only its changed top-level fields. */
  status: StatusChange;
  /** A line of the daemon's log (pod output included). */
  log: LogLine;
  /** Settings were saved (by anyone): the new revision and the keys that changed. */
  settings: SettingsChanged;
  /** Something a person should see once: the daemon stopping, a settings file moved aside. */
  notice: Announcement;
}

export type EventType = keyof EventData;
export const eventTypes: readonly EventType[] = ["status", "log", "settings", "notice"];

export interface StatusChange {
  /** A key of the status snapshot: "pod", "proxy", ..., "daemon". */
  service: string;
  /** The fields that changed, with their new values. */
  changed: Record<string, unknown>;
  /** Fields that are gone. */
  removed: string[];
}

export interface SettingsChanged {
  revision: string;
  keys: string[];
}

export interface Announcement {
  level: "info" | "warn";
  text: string;
}

export type PodhostEvent = { [K in EventType]: { id: number; type: K; time: number; data: EventData[K] } }[EventType];

/**
 * Sent instead of the events a client asked for when the daemon no longer holds them (the client
 * was too slow, or its cursor is from before a daemon restart). Always sent, whatever `types` says.
 */
export interface BehindEvent {
  id: number;
  type: "behind";
  time: number;
  data: { requested: number; oldestId: number; lastId: number; message: string };
}

export type StreamEvent = PodhostEvent | BehindEvent;

/** `GET /api/status`: the snapshot and the id of the last event it reflects. */
export type StatusAt = StatusSnapshot & { lastEventId: number };

/** The query of `/api/events`, as the clients build it. */
export function eventsQuery(options: { since?: number; types?: readonly EventType[]; timeoutSeconds?: number }): string {
  const params: string[] = [];
  if (options.since !== undefined) params.push(`since=${options.since}`);
  if (options.types && options.types.length < eventTypes.length) params.push(`types=${options.types.join(",")}`);
  if (options.timeoutSeconds !== undefined) params.push(`timeout=${options.timeoutSeconds}`);
  return params.length > 0 ? `?${params.join("&")}` : "";
}

/** The changes between two snapshots, one per part that changed (top-level fields compared as JSON). */
export function statusChanges(before: Partial<Record<string, unknown>> | undefined, after: Record<string, unknown>): StatusChange[] {
  const out: StatusChange[] = [];
  for (const [service, next] of Object.entries(after)) {
    const change = fieldChanges(before?.[service], next);
    if (change) out.push({ service, ...change });
  }
  return out;
}

function fieldChanges(before: unknown, after: unknown): Omit<StatusChange, "service"> | undefined {
  const previous = (before ?? {}) as Record<string, unknown>;
  const next = (after ?? {}) as Record<string, unknown>;
  const changed: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(next)) {
    if (JSON.stringify(value) !== JSON.stringify(previous[key])) changed[key] = value;
  }
  const removed = Object.keys(previous).filter((key) => !(key in next));
  return Object.keys(changed).length > 0 || removed.length > 0 ? { changed, removed } : undefined;
}

/** A snapshot with one change applied (a new object; parts that did not change are shared). */
export function applyStatusChange<S extends object>(snapshot: S, change: StatusChange): S {
  const part = { ...((snapshot as Record<string, unknown>)[change.service] as Record<string, unknown> | undefined), ...change.changed };
  for (const key of change.removed) delete part[key];
  return { ...snapshot, [change.service]: part };
}
