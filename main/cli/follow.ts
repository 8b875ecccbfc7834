import { applyStatusChange, type EventType, type SettingsChanged } from "../../shared/events";
import { EventFollower, StreamRefused, type FollowState } from "../../shared/event-follower";
import type { LogLine } from "../../shared/logs";
import type { StatusSnapshot } from "../../shared/status";
import { describeError, UserError } from "../../shared/errors";
import type { ControlClient } from "./client";
import { formatStatus, printLogLine } from "./format";

/** Retrying forever is right for a follower, except when the daemon refuses the access key. */
const retryUnlessRefused = (error: unknown) => !(error instanceof StreamRefused);

export interface StatusFollower {
  /** Resolves with the first snapshot. */
  ready: Promise<StatusSnapshot>;
  /** Resolves once following ended (stopped, or refused for good). */
  done: Promise<void>;
  stop(): Promise<void>;
}

/**
 * The status snapshot, kept current from the event stream: read once, then changed by each
 * `status` event, and read again after the daemon restarts or says this client fell behind.
 */
export function followStatus(
  client: ControlClient,
  onSnapshot: (snapshot: StatusSnapshot) => void,
  options: { onState?: (state: FollowState, detail?: string) => void; types?: EventType[]; onSettings?: (change: SettingsChanged) => void; onLog?: (line: LogLine) => void } = {},
): StatusFollower {
  let snapshot: StatusSnapshot | undefined;
  let first: (snapshot: StatusSnapshot) => void = () => undefined;
  const ready = new Promise<StatusSnapshot>((resolve) => (first = resolve));
  const follower = new EventFollower({
    transport: client.events,
    types: options.types ?? ["status"],
    resync: async () => {
      const { lastEventId, ...rest } = await client.statusAt();
      snapshot = rest;
      onSnapshot(snapshot);
      first(snapshot);
      return lastEventId;
    },
    onEvent: (event) => {
      if (event.type === "settings") options.onSettings?.(event.data);
      if (event.type === "log") options.onLog?.(event.data);
      if (event.type !== "status" || !snapshot) return;
      snapshot = applyStatusChange(snapshot, event.data);
      onSnapshot(snapshot);
    },
    onState: options.onState,
    shouldRetry: retryUnlessRefused,
  });
  return { ready, done: follower.start(), stop: () => follower.stop() };
}

/** Says on stderr, once per change, that the daemon went away and came back. */
function reportConnection(): (state: FollowState, detail?: string) => void {
  let lost = false;
  return (state, detail) => {
    if (state === "reconnecting" && !lost) {
      lost = true;
      console.error(`podhost: lost the daemon${detail ? ` (${detail})` : ""}; waiting for it to come back…`);
    } else if (state === "open" && lost) {
      lost = false;
      console.error("podhost: connected to the daemon again.");
    }
  };
}

/** Ends the process with an error when the stream is refused for good (the access key changed). */
function untilRefused(stop: () => Promise<void>): (state: FollowState, detail?: string) => void {
  return (state, detail) => {
    if (state !== "stopped" || !detail) return;
    console.error(`podhost: ${describeError(new UserError({ code: "events-refused", message: detail, fix: "Check that this is the data dir of the running podhost (--data-dir)." }))}`);
    process.exitCode = 1;
    void stop();
  };
}

/** `podhost status --watch`: the status again whenever it changes (as JSON lines with --json). */
export async function watchStatus(client: ControlClient, json: boolean): Promise<void> {
  // No daemon at all is an error at once; a daemon that goes away later is waited for.
  await client.statusAt();
  let printed = "";
  const connection = reportConnection();
  let stop = async () => undefined as void;
  const refused = untilRefused(() => stop());
  const follower = followStatus(
    client,
    (snapshot) => {
      const text = json ? JSON.stringify(snapshot) : formatStatus(snapshot);
      if (text === printed) return;
      printed = text;
      console.log(json ? text : `${new Date().toISOString()}\n${text}\n`);
    },
    { onState: (state, detail) => (connection(state, detail), refused(state, detail)) },
  );
  stop = follower.stop;
  await untilSignal(follower.done, follower.stop);
}

/**
 * `podhost logs -f`: the last lines, then each new one, across daemon restarts. Lines it could not
 * get (it fell behind the daemon's buffer) are said to be missing, never silently skipped.
 */
export async function followLogs(client: ControlClient, count: number): Promise<void> {
  const tail = await client.call("logs.tail", { lines: count });
  tail.lines.forEach(printLogLine);
  let last: LogLine | undefined = tail.lines.at(-1);
  let since: number | undefined = tail.lastEventId;
  const connection = reportConnection();
  const follower = new EventFollower({
    transport: client.events,
    types: ["log"],
    resync: async () => {
      if (since !== undefined) {
        const id = since;
        since = undefined;
        return id;
      }
      // After a restart or a gap: the lines this client has not printed yet (a new daemon's are all new).
      const { lines, lastEventId } = await client.call("logs.tail", { lines: count });
      const fresh = last ? lines.filter((line) => line.time > last!.time) : lines;
      if (lines.length === count && fresh.length === lines.length) console.error("podhost: log lines may be missing here (this terminal fell behind the daemon's buffer); the log files have them all.");
      fresh.forEach(printLogLine);
      last = fresh.at(-1) ?? last;
      return lastEventId;
    },
    onEvent: (event) => {
      if (event.type !== "log") return;
      printLogLine(event.data);
      last = event.data;
    },
    onState: (state, detail) => (connection(state, detail), refused(state, detail)),
    shouldRetry: retryUnlessRefused,
  });
  const refused = untilRefused(() => follower.stop());
  await untilSignal(follower.start(), () => follower.stop());
}

/** Follows until Ctrl-C (or SIGTERM) or until following ends by itself. */
async function untilSignal(done: Promise<void>, stop: () => Promise<void>): Promise<void> {
  const end = () => void stop();
  process.once("SIGINT", end);
  process.once("SIGTERM", end);
  await done;
  process.off("SIGINT", end);
  process.off("SIGTERM", end);
}
