import { useSyncExternalStore } from "react";
import { serviceNames, type StatusSnapshot } from "../shared/status";
import type { LogLine } from "../shared/logs";
import { applyStatusChange, type PodhostEvent, type SettingsChanged } from "../shared/events";
import { cancellableWait, EventFollower, StreamRefused, type EventTransport } from "../shared/event-follower";
import { call, getStatus, isUnauthorized, markUnauthorized } from "./api";
import { serviceTitles, stateWord } from "./words";

/**
 * The live side of the UI: the status snapshot, log lines and the settings' revision, kept current
 * by the daemon's event stream (`/api/events`) through the shared follower, which resumes after a
 * drop and re-reads the snapshot after a daemon restart.
 */
export type ConnectionState = "connecting" | "open" | "reconnecting";

/** The Logs page keeps this many lines; older ones fall off the top. */
export const maxLogLines = 2000;
const initialLogLines = 1000;

class Store<T> {
  private listeners = new Set<() => void>();
  constructor(private value: T) {}
  get = (): T => this.value;
  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };
  set(value: T): void {
    if (Object.is(value, this.value)) return;
    this.value = value;
    for (const listener of this.listeners) listener();
  }
}

const statusStore = new Store<StatusSnapshot | null>(null);
const logStore = new Store<LogLine[]>([]);
const connectionStore = new Store<ConnectionState>("connecting");
/** One sentence for screen readers when a service changes state (an aria-live region reads it). */
const announcementStore = new Store<string>("");
/** The last settings save anyone made (revision and keys), as the stream told it. */
const settingsStore = new Store<SettingsChanged | null>(null);
/** Counts re-reads of the snapshot: a page holding its own copy of something re-reads it too. */
const resyncStore = new Store<number>(0);

export const useStatus = () => useSyncExternalStore(statusStore.subscribe, statusStore.get);
export const useLogs = () => useSyncExternalStore(logStore.subscribe, logStore.get);
export const useConnection = () => useSyncExternalStore(connectionStore.subscribe, connectionStore.get);
export const useAnnouncement = () => useSyncExternalStore(announcementStore.subscribe, announcementStore.get);
export const useSettingsChange = () => useSyncExternalStore(settingsStore.subscribe, settingsStore.get);
export const useResyncCount = () => useSyncExternalStore(resyncStore.subscribe, resyncStore.get);
/** When the event stream dropped (null while connected): the status shown is only what held then. */
const lostTouchStore = new Store<number | null>(null);
export const useLostTouchSince = () => useSyncExternalStore(lostTouchStore.subscribe, lostTouchStore.get);

function setStatus(next: StatusSnapshot): void {
  const previous = statusStore.get();
  statusStore.set(next);
  if (!previous) return;
  const changes = serviceNames
    .filter((name) => previous[name].state !== next[name].state)
    .map((name) => `${serviceTitles[name]} is now ${stateWord(next[name].state)}.`);
  if (changes.length > 0) announcementStore.set(changes.join(" "));
}

/** A command that returned a fresh snapshot (pod.start...) shows it without waiting for the event. */
export function showStatus(snapshot: StatusSnapshot): void {
  setStatus(snapshot);
}

function keepLast(lines: LogLine[]): LogLine[] {
  return lines.length > maxLogLines ? lines.slice(lines.length - maxLogLines) : lines;
}

/** A browser's way to the event stream: fetch with the session cookie, read as it arrives. */
const transport: EventTransport = {
  stream: async (path, onText, cancel) => {
    const abort = new AbortController();
    const unhook = cancel.onCancel(() => abort.abort());
    try {
      const response = await fetch(path, { credentials: "same-origin", headers: { Accept: "text/event-stream" }, signal: abort.signal });
      if (response.status === 401) markUnauthorized();
      if (!response.ok || !response.body) throw new StreamRefused(response.status);
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        onText(value);
      }
    } catch (error) {
      if (!abort.signal.aborted) throw error;
    } finally {
      unhook();
    }
  },
  wait: cancellableWait({ set: (fn, ms) => setTimeout(fn, ms), clear: (handle) => clearTimeout(handle) }),
};

/** Events up to these ids are already in what the last resync read: not applied twice. */
let statusReadUpTo = 0;
let logsReadUpTo = 0;

/**
 * Re-read the snapshot and the log's tail (at the start, after a restart of the daemon, or when
 * it says we fell behind) and follow on from the older of the two: nothing missed, nothing twice.
 */
async function resync(): Promise<number> {
  const [status, tail] = await Promise.all([getStatus(), call("logs.tail", { lines: initialLogLines })]);
  const { lastEventId, ...snapshot } = status;
  setStatus(snapshot);
  logStore.set(keepLast(tail.lines));
  statusReadUpTo = lastEventId;
  logsReadUpTo = tail.lastEventId;
  resyncStore.set(resyncStore.get() + 1);
  return Math.min(lastEventId, tail.lastEventId);
}

function receive(event: PodhostEvent): void {
  if (event.type === "status" && event.id > statusReadUpTo) {
    const current = statusStore.get();
    if (current) setStatus(applyStatusChange(current, event.data));
  }
  if (event.type === "log" && event.id > logsReadUpTo) logStore.set(keepLast([...logStore.get(), event.data]));
  if (event.type === "settings") settingsStore.set(event.data);
}

/** Follow the daemon's events until the returned function is called. */
export function startLive(): () => void {
  const follower = new EventFollower({
    transport,
    types: ["status", "log", "settings"],
    resync,
    onEvent: receive,
    onState: (state) => {
      if (state === "open") {
        connectionStore.set("open");
        lostTouchStore.set(null);
      }
      if (state === "reconnecting") {
        connectionStore.set("reconnecting");
        if (lostTouchStore.get() === null) lostTouchStore.set(Date.now());
      }
    },
    // A 401 switches the whole UI to the "open the link" screen; nothing to retry until then.
    shouldRetry: () => !isUnauthorized(),
    retry: { minMs: 1000, maxMs: 15_000 },
  });
  void follower.start();
  return () => void follower.stop();
}
