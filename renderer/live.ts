import { useSyncExternalStore } from "react";
import { apiPaths } from "../shared/api";
import { serviceNames, type StatusSnapshot } from "../shared/status";
import type { LogLine } from "../shared/logs";
import { call, isUnauthorized } from "./api";
import { serviceTitles, stateWord } from "./words";

/**
 * The live side of the UI: the status snapshot and log lines, kept current by the daemon's
 * event stream (`/api/events`), re-read after every reconnect so nothing missed stays stale.
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

export const useStatus = () => useSyncExternalStore(statusStore.subscribe, statusStore.get);
export const useLogs = () => useSyncExternalStore(logStore.subscribe, logStore.get);
export const useConnection = () => useSyncExternalStore(connectionStore.subscribe, connectionStore.get);
export const useAnnouncement = () => useSyncExternalStore(announcementStore.subscribe, announcementStore.get);
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

const sameLine = (a: LogLine, b: LogLine) => a.time === b.time && a.source === b.source && a.text === b.text;

// Lines that arrive while `logs.tail` is on its way may be in its answer too.
let arrivedDuringTail: LogLine[] | null = null;

function receiveLog(line: LogLine): void {
  arrivedDuringTail?.push(line);
  logStore.set(keepLast([...logStore.get(), line]));
}

async function reloadLogs(): Promise<void> {
  const arrived: LogLine[] = [];
  arrivedDuringTail = arrived;
  try {
    const { lines } = await call("logs.tail", { lines: initialLogLines });
    const last = lines.at(-1);
    const fresh = last ? arrived.filter((line) => line.time > last.time || (line.time === last.time && !lines.some((t) => sameLine(t, line)))) : arrived;
    logStore.set(keepLast([...lines, ...fresh]));
  } finally {
    if (arrivedDuringTail === arrived) arrivedDuringTail = null;
  }
}

async function reloadStatus(): Promise<void> {
  setStatus(await call("status.get", {}));
}

function reload(): Promise<unknown> {
  // Failures surface elsewhere: a 401 switches screens, a dead daemon shows the reconnect banner.
  return Promise.allSettled([reloadStatus(), reloadLogs()]);
}

/** Open the event stream and keep it open until the returned function is called. */
export function startLive(): () => void {
  let source: EventSource | null = null;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let retryDelay = 1000;
  let stopped = false;

  const open = () => {
    const stream = new EventSource(apiPaths.events);
    source = stream;
    stream.addEventListener("open", () => {
      const wasDown = connectionStore.get() === "reconnecting";
      connectionStore.set("open");
      lostTouchStore.set(null);
      retryDelay = 1000;
      if (wasDown) void reload();
    });
    stream.addEventListener("status", (event) => setStatus(JSON.parse(event.data as string) as StatusSnapshot));
    stream.addEventListener("log", (event) => receiveLog(JSON.parse(event.data as string) as LogLine));
    stream.addEventListener("error", () => {
      if (lostTouchStore.get() === null) lostTouchStore.set(Date.now());
      connectionStore.set("reconnecting");
      // The browser retries by itself unless the daemon refused the stream (e.g. 401); then we retry.
      if (stream.readyState === EventSource.CLOSED) {
        stream.close();
        void retry();
      }
    });
  };

  const retry = async () => {
    await reload();
    if (stopped || isUnauthorized()) return;
    retryTimer = setTimeout(open, retryDelay);
    retryDelay = Math.min(retryDelay * 2, 15_000);
  };

  void reload();
  open();
  return () => {
    stopped = true;
    clearTimeout(retryTimer);
    source?.close();
  };
}
