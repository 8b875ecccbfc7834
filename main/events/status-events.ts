import { statusChanges } from "../../shared/events";
import type { Clock } from "../service";
import type { EventLog } from "./event-log";

/** A service's status changes reach the stream at most this often (first change at once, the latest at the end). */
export const statusQuietMs = 250;

type Parts = Record<string, unknown>;

/**
 * Turns Host's status snapshots into `status` events: one per service that changed, carrying only
 * what changed. Per service, a change goes out at once and then the service is quiet for
 * `statusQuietMs`; whatever changed meanwhile goes out as one event at the end. So a progress
 * bar that moves a thousand times a second costs four events a second, and the last value is
 * never lost.
 */
export class StatusEvents {
  private published: Parts;
  private latest: Parts;
  private readonly quiet = new Map<string, { cancel(): void }>();

  constructor(
    private readonly log: EventLog,
    private readonly clock: Clock,
    baseline: object,
    private readonly quietMs = statusQuietMs,
  ) {
    this.published = { ...baseline };
    this.latest = this.published;
  }

  update(snapshot: object): void {
    this.latest = { ...snapshot };
    for (const change of statusChanges(this.published, this.latest)) {
      if (!this.quiet.has(change.service)) this.publish(change.service);
    }
  }

  /** Timers off (daemon exit). */
  close(): void {
    for (const timer of this.quiet.values()) timer.cancel();
    this.quiet.clear();
  }

  private publish(service: string): void {
    const [change] = statusChanges({ [service]: this.published[service] }, { [service]: this.latest[service] });
    if (!change) return;
    this.published = { ...this.published, [service]: this.latest[service] };
    this.log.publish("status", change);
    this.quiet.set(
      service,
      this.clock.setTimeout(() => {
        this.quiet.delete(service);
        this.publish(service);
      }, this.quietMs),
    );
  }
}
