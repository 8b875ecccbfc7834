import { describe, expect, it } from "vitest";
import { EventLog } from "../../main/events/event-log";
import { StatusEvents, statusQuietMs } from "../../main/events/status-events";
import { eventTypes, type PodhostEvent } from "../../shared/events";
import { ManualClock } from "../net/manual-clock";

const all = new Set(eventTypes);
const parsed = (log: EventLog, since: number) => {
  const batch = log.since(since, all);
  if (batch.behind) throw new Error("behind");
  return batch.events.map((event) => JSON.parse(event.json) as PodhostEvent);
};

describe("the event log", () => {
  it("keeps at most its count of events and says a follower older than those fell behind", () => {
    const log = new EventLog({ maxEvents: 100, maxBytes: 1 << 20 }, () => 0, 1000);
    for (let i = 0; i < 250; i++) log.publish("notice", { level: "info", text: `n${i}` });
    expect(log.size.events).toBe(100);
    expect(log.since(1000 + 149, all)).toMatchObject({ behind: true, oldestId: 1000 + 151 });
    expect(parsed(log, 1000 + 150).map((event) => event.id)).toEqual(Array.from({ length: 100 }, (_, i) => 1000 + 151 + i));
  });

  it("keeps at most its bytes, whatever the count", () => {
    const log = new EventLog({ maxEvents: 10_000, maxBytes: 50_000 }, () => 0, 0);
    for (let i = 0; i < 100; i++) log.publish("notice", { level: "info", text: "x".repeat(1000) });
    expect(log.size.bytes).toBeLessThanOrEqual(50_000);
    expect(log.size.events).toBeLessThan(50);
  });

  it("treats a cursor newer than anything it published as another run's, and 0 as 'all you have'", () => {
    const log = new EventLog(undefined, () => 0, 500);
    log.publish("notice", { level: "info", text: "one" });
    expect(log.since(900, all).behind).toBe(true);
    expect(parsed(log, 0).map((event) => event.id)).toEqual([501]);
  });
});

describe("status events", () => {
  it("sends a fast-changing progress as at most one event per quiet period per service, and never loses the last value", () => {
    const clock = new ManualClock();
    const log = new EventLog(undefined, () => clock.now(), 0);
    const status = new StatusEvents(log, clock, { backup: { state: "idle", progress: 0 }, pod: { state: "running" } });
    for (let percent = 1; percent <= 1000; percent++) {
      status.update({ backup: { state: "running", progress: percent / 10 }, pod: { state: "running" } });
      if (percent % 100 === 0) clock.advance(statusQuietMs / 4);
    }
    clock.advance(statusQuietMs);
    const events = parsed(log, 0);
    expect(events.length).toBeLessThanOrEqual(4);
    expect(events.every((event) => event.type === "status" && event.data.service === "backup")).toBe(true);
    expect(events.at(-1)).toMatchObject({ data: { changed: { progress: 100 } } });
    expect(events[0]).toMatchObject({ data: { changed: { state: "running", progress: 0.1 } } });
  });
});
