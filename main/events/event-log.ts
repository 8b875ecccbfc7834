import type { EventData, EventType, PodhostEvent } from "../../shared/events";

/** An event as the daemon keeps it: serialised once, so a hundred followers cost no more JSON work than one. */
export interface StoredEvent {
  id: number;
  type: EventType;
  /** The whole event (`PodhostEvent`) as JSON. */
  json: string;
}

export interface EventLogLimits {
  /** Most events kept. */
  maxEvents: number;
  /** Most bytes of event JSON kept (a few long log lines must not hold megabytes). */
  maxBytes: number;
}

export const defaultEventLimits: EventLogLimits = { maxEvents: 10_000, maxBytes: 4 << 20 };

/** What a follower gets: the events after its cursor and where to read on (`next`), or "behind". */
export type Since = { behind: false; events: StoredEvent[]; next: number } | { behind: true; oldestId: number };

/**
 * The bounded buffer behind `/api/events`. Ids start above every id an earlier daemon run could
 * have handed out (the start time in microseconds), so a cursor from before a restart is never
 * mistaken for one of this run's: it is older than the oldest event kept, and its client is told
 * it fell behind.
 */
export class EventLog {
  private readonly kept: StoredEvent[] = [];
  /** Index of the oldest kept event in `kept` (dropping from the front without shifting each time). */
  private head = 0;
  private bytes = 0;
  private last: number;
  private readonly listeners = new Set<() => void>();

  constructor(
    private readonly limits: EventLogLimits = defaultEventLimits,
    private readonly now: () => number = Date.now,
    firstId = now() * 1000,
  ) {
    this.last = firstId;
  }

  /** The id of the newest event (or, before any, the id a follower starting now resumes from). */
  get lastId(): number {
    return this.last;
  }

  /** The oldest id a follower can resume after without a gap: the one before the oldest kept. */
  get resumableFrom(): number {
    return this.kept.length > this.head ? this.kept[this.head]!.id - 1 : this.last;
  }

  get size(): { events: number; bytes: number } {
    return { events: this.kept.length - this.head, bytes: this.bytes };
  }

  publish<K extends EventType>(type: K, data: EventData[K]): number {
    const id = ++this.last;
    const event = { id, type, time: this.now(), data } as PodhostEvent;
    const json = JSON.stringify(event);
    this.kept.push({ id, type, json });
    this.bytes += json.length;
    this.trim();
    for (const listener of this.listeners) listener();
    return id;
  }

  /**
   * The events after `since` (of `types`), at most `limit`. A `since` older than what is kept (or
   * newer than anything published: a cursor from another run) is "behind"; 0 asks for all kept.
   */
  since(since: number, types: ReadonlySet<EventType>, limit = Number.POSITIVE_INFINITY): Since {
    if (since !== 0 && (since < this.resumableFrom || since > this.last)) return { behind: true, oldestId: this.resumableFrom + 1 };
    const events: StoredEvent[] = [];
    let next = Math.max(since, this.resumableFrom);
    // Ids are consecutive, so the first wanted event is found by arithmetic, not by a search.
    for (let index = this.head + (next - this.resumableFrom); index < this.kept.length && events.length < limit; index++) {
      const event = this.kept[index]!;
      if (types.has(event.type)) events.push(event);
      next = event.id;
    }
    return { behind: false, events, next };
  }

  /** Called after every publish (followers wake up and read on from their cursor). */
  onPublish(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private trim(): void {
    while (this.kept.length - this.head > this.limits.maxEvents || (this.bytes > this.limits.maxBytes && this.kept.length - this.head > 1)) {
      this.bytes -= this.kept[this.head]!.json.length;
      this.head++;
    }
    if (this.head > 1024 && this.head * 2 > this.kept.length) {
      this.kept.splice(0, this.head);
      this.head = 0;
    }
  }
}
