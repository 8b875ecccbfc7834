import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyStatusChange, type PodhostEvent, type StreamEvent } from "../../shared/events";
import { servePodhost, type ServedPodhost } from "../helpers/podhost";
import { tempDir, waitFor } from "../helpers/temp";
import { api, openStream, setting, statusAt } from "./event-client";

let served: ServedPodhost;
let dir: { path: string; cleanup: () => Promise<void> };

beforeAll(async () => {
  dir = await tempDir();
  served = await servePodhost(dir.path);
});
afterAll(async () => {
  await served?.stop();
  await dir?.cleanup();
});

const settingsEvents = (events: StreamEvent[]) => events.filter((event): event is Extract<PodhostEvent, { type: "settings" }> => event.type === "settings");
const ids = (events: StreamEvent[]) => events.map((event) => event.id);

describe("GET /api/events (a real daemon, over HTTP)", () => {
  it("resumes with Last-Event-ID after the connection is cut mid-stream: every event once, the same as an uncut follower's", async () => {
    const start = await statusAt(served);
    const witness = await openStream(served, `?since=${start.lastEventId}`);
    const dropped = await openStream(served, `?since=${start.lastEventId}`);

    for (let size = 10; size < 20; size++) expect((await setting(served, { "proxy.maxBodyMiB": size })).status).toBe(200);
    await waitFor("events on the stream that will be cut", () => settingsEvents(dropped.events).length >= 10);
    dropped.cut();
    await dropped.ended;
    const seenBeforeCut = [...dropped.events];
    const lastSeen = seenBeforeCut.at(-1)!.id;

    for (let size = 20; size < 30; size++) expect((await setting(served, { "proxy.maxBodyMiB": size })).status).toBe(200);
    const resumed = await openStream(served, `?since=${start.lastEventId}`, { "Last-Event-ID": String(lastSeen) });
    const final = (await api<{ revision: string }>(served, "/api/settings.get", {})).json.revision;
    const hasFinal = (events: StreamEvent[]) => settingsEvents(events).some((event) => event.data.revision === final);
    await waitFor("the last change on both streams", () => hasFinal(resumed.events) && hasFinal(witness.events));
    resumed.cut();
    witness.cut();

    const joined = [...seenBeforeCut, ...resumed.events];
    const witnessed = witness.events.filter((event) => event.id <= joined.at(-1)!.id);
    expect(new Set(ids(joined)).size).toBe(joined.length);
    expect(ids(joined)).toEqual([...ids(joined)].sort((a, b) => a - b));
    expect(joined).toEqual(witnessed);
    expect(settingsEvents(joined)).toHaveLength(20);
  });

  it("tells a follower whose place is no longer kept that it fell behind, and /api/status gives it a place to go on from", async () => {
    // A cursor from before this daemon started (ids start above every earlier run's).
    const stale = await openStream(served, "?since=12345");
    await stale.ended;
    expect(stale.events).toEqual([expect.objectContaining({ type: "behind", data: expect.objectContaining({ requested: 12345, message: expect.stringMatching(/GET \/api\/status/) }) })]);

    const poll = await api<StreamEvent[]>(served, "/api/events?since=12345&timeout=0");
    expect(poll.json.map((event) => event.type)).toEqual(["behind"]);

    const { lastEventId } = await statusAt(served);
    const onward = await api<StreamEvent[]>(served, `/api/events?since=${lastEventId}&timeout=0`);
    expect(onward.json).toEqual([]);
  });

  it("carries only what changed in a service: replayed onto an old snapshot, the events give the daemon's own new snapshot", async () => {
    const before = await statusAt(served);
    const stream = await openStream(served, `?since=${before.lastEventId}&types=status`);
    await setting(served, { domain: "replay.example.org", "proxy.httpsPort": 9443 });
    const replayed = () => {
      let snapshot: Record<string, unknown> = { ...before };
      for (const event of stream.events) if (event.type === "status") snapshot = applyStatusChange(snapshot, event.data);
      const { lastEventId: _ignored, ...rest } = snapshot;
      return rest;
    };
    await waitFor("the replayed snapshot to match the daemon's", async () => {
      const { lastEventId: _ignored, ...current } = await statusAt(served);
      return JSON.stringify(replayed()) === JSON.stringify(current);
    });
    stream.cut();
    expect(stream.events.length).toBeGreaterThan(0);
    // Each event carries only fields that differ from what the follower had: never a whole snapshot.
    let running = before as unknown as Record<string, Record<string, unknown>>;
    for (const event of stream.events) {
      if (event.type !== "status") throw new Error(`a ${event.type} event on a types=status stream`);
      for (const [field, value] of Object.entries(event.data.changed)) expect(JSON.stringify(running[event.data.service]?.[field])).not.toBe(JSON.stringify(value));
      running = applyStatusChange(running, event.data);
    }
  });

  it("answers a long poll with the first events to come, only of the types asked for", async () => {
    const { lastEventId } = await statusAt(served);
    const poll = api<StreamEvent[]>(served, `/api/events?since=${lastEventId}&types=settings&timeout=30`);
    await setting(served, { "proxy.maxBodyMiB": 7 });
    const { json } = await poll;
    expect(json.length).toBeGreaterThan(0);
    expect(new Set(json.map((event) => event.type))).toEqual(new Set(["settings"]));
    expect(json[0]!.id).toBeGreaterThan(lastEventId);
  });

  it("names the event types when asked for one that does not exist", async () => {
    const reply = await api<{ error: { message: string } }>(served, "/api/events?types=status,weather&timeout=0");
    expect(reply.status).toBe(400);
    expect(reply.json.error.message).toMatch(/no event type "weather".*status, log, settings, notice/);
  });
});
