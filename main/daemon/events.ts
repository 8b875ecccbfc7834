import type { IncomingMessage, ServerResponse } from "node:http";
import { eventTypes, type BehindEvent, type EventType } from "../../shared/events";
import { UserError } from "../../shared/errors";
import type { EventLog, StoredEvent } from "../events/event-log";

/** A long poll waits at most this long by default (Syncthing's default too), and never longer than the cap. */
const defaultPollSeconds = 60;
const maxPollSeconds = 300;
const maxPollEvents = 1000;
const heartbeatMs = 15_000;

interface EventsRequest {
  since: number | undefined;
  types: ReadonlySet<EventType>;
  timeoutSeconds: number;
  limit: number;
}

/**
 * `GET /api/events`: server-sent events for a client that says `Accept: text/event-stream`, a long
 * poll answering a JSON array for any other (curl, scripts), as Syncthing's `/rest/events`.
 *
 * A streaming follower holds no queue of its own: it keeps a cursor into the log and writes on
 * while its socket takes data. One that stops reading is left with what its socket buffers hold;
 * once the log has dropped the events after its cursor it is cut, and on reconnecting it is told
 * it fell behind. So a stalled client costs the daemon a socket, never a copy of the stream.
 */
export function serveEvents(log: EventLog, req: IncomingMessage, res: ServerResponse, url: URL, shutdown: AbortSignal): void {
  const query = parseQuery(url, req);
  if ((req.headers.accept ?? "").includes("text/event-stream")) streamEvents(log, query, req, res, shutdown);
  else void pollEvents(log, query, res, shutdown);
}

function parseQuery(url: URL, req: IncomingMessage): EventsRequest {
  // EventSource sends Last-Event-ID on its own reconnects; it names a later point than the URL's `since`.
  const lastEventId = req.headers["last-event-id"];
  const sinceText = typeof lastEventId === "string" && lastEventId !== "" ? lastEventId : url.searchParams.get("since");
  const since = sinceText === null ? undefined : Number(sinceText);
  if (since !== undefined && !(Number.isSafeInteger(since) && since >= 0)) throw usage(`since must be an event id (a whole number), not "${sinceText}".`);
  const typesText = url.searchParams.get("types") ?? url.searchParams.get("events");
  const types = new Set<EventType>();
  for (const name of typesText ? typesText.split(",") : eventTypes) {
    if (!eventTypes.includes(name as EventType)) throw usage(`There is no event type "${name}": the types are ${eventTypes.join(", ")}.`);
    types.add(name as EventType);
  }
  const timeoutSeconds = Number(url.searchParams.get("timeout") ?? defaultPollSeconds);
  if (!(timeoutSeconds >= 0 && timeoutSeconds <= maxPollSeconds)) throw usage(`timeout must be 0 to ${maxPollSeconds} seconds.`);
  const limit = Number(url.searchParams.get("limit") ?? maxPollEvents);
  if (!(Number.isInteger(limit) && limit >= 1 && limit <= maxPollEvents)) throw usage(`limit must be 1 to ${maxPollEvents}.`);
  return { since, types, timeoutSeconds, limit };
}

function usage(message: string): UserError {
  return new UserError({ code: "bad-events-query", message, fix: "See the control API in README.md: /api/events?since=ID&types=status,log" });
}

function behindEvent(log: EventLog, requested: number, oldestId: number): BehindEvent {
  const message = `The events after ${requested} are no longer kept (the oldest kept is ${oldestId}): read the status again (GET /api/status) and follow on from its lastEventId.`;
  return { id: log.lastId, type: "behind", time: Date.now(), data: { requested, oldestId, lastId: log.lastId, message } };
}

function streamEvents(log: EventLog, query: EventsRequest, req: IncomingMessage, res: ServerResponse, shutdown: AbortSignal): void {
  res.writeHead(200, { "Content-Type": "text/event-stream; charset=utf-8", "Cache-Control": "no-store", Connection: "keep-alive", "X-Accel-Buffering": "no" });
  req.socket.setTimeout(0);
  res.write("retry: 2000\n\n");
  // No `since`: from now on (a client that wants what came before reads the snapshot first).
  let cursor = query.since ?? log.lastId;
  let blocked = false;
  let done = false;

  const frame = (event: StoredEvent) => `id: ${event.id}\nevent: ${event.type}\ndata: ${event.json}\n\n`;
  const pump = () => {
    if (blocked || done) return;
    for (;;) {
      const batch = log.since(cursor, query.types, 256);
      if (batch.behind) {
        // No `id:` line: the client's cursor stays where it was, so it knows to re-read the snapshot.
        res.write(`event: behind\ndata: ${JSON.stringify(behindEvent(log, cursor, batch.oldestId))}\n\n`);
        return finish();
      }
      for (const event of batch.events) {
        cursor = event.id;
        if (!res.write(frame(event))) {
          blocked = true;
          res.once("drain", () => {
            blocked = false;
            pump();
          });
          return;
        }
      }
      cursor = batch.next;
      if (batch.events.length < 256) return;
    }
  };
  const onPublish = () => {
    // A client that stopped reading and lost its place in the log can never catch up: cut it.
    if (blocked && cursor < log.resumableFrom) return void res.destroy();
    pump();
  };
  const heartbeat = setInterval(() => blocked || res.write(": keep-alive\n\n"), heartbeatMs);
  heartbeat.unref();
  const unsubscribe = log.onPublish(onPublish);
  const finish = () => {
    if (done) return;
    done = true;
    res.end();
  };
  shutdown.addEventListener("abort", finish, { once: true });
  res.on("close", () => {
    done = true;
    clearInterval(heartbeat);
    unsubscribe();
    shutdown.removeEventListener("abort", finish);
  });
  pump();
}

/** The long poll: the events after `since` at once if there are any, else the first to come within the timeout. */
async function pollEvents(log: EventLog, query: EventsRequest, res: ServerResponse, shutdown: AbortSignal): Promise<void> {
  const since = query.since ?? 0;
  const read = () => log.since(since, query.types, query.limit);
  let batch = read();
  if (!batch.behind && batch.events.length === 0 && query.timeoutSeconds > 0) {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, query.timeoutSeconds * 1000);
      const unsubscribe = log.onPublish(() => {
        batch = read();
        if (batch.behind || batch.events.length > 0) done();
      });
      shutdown.addEventListener("abort", done, { once: true });
      res.on("close", done);
      function done() {
        clearTimeout(timer);
        unsubscribe();
        shutdown.removeEventListener("abort", done);
        res.off("close", done);
        resolve();
      }
    });
  }
  if (res.destroyed) return;
  const body = batch.behind ? JSON.stringify([behindEvent(log, since, batch.oldestId)]) : `[${batch.events.map((event) => event.json).join(",")}]`;
  res.writeHead(200, { "Content-Type": "application/json; charset=utf-8", "Content-Length": Buffer.byteLength(body) });
  res.end(body);
}
