import { createParser } from "eventsource-parser";
import { apiPaths } from "./api";
import { eventsQuery, type EventType, type PodhostEvent, type StreamEvent } from "./events";

/** How a follower reaches the daemon: the browser's fetch, or Node's HTTP over the local socket. */
export interface EventTransport {
  /**
   * GET `path` as an event stream and hand its text to `onText` as it arrives; resolves when the
   * stream ends, rejects when it can't be opened (a `StreamRefused` for an HTTP error answer).
   */
  stream(path: string, onText: (text: string) => void, cancel: Cancel): Promise<void>;
  /** Resolves after `ms`, or at once when `cancel` is cancelled. */
  wait(ms: number, cancel: Cancel): Promise<void>;
}

/** `EventTransport.wait` from the platform's timers (shared/ has none of its own: it is pure ES). */
export function cancellableWait<H>(timers: { set(fn: () => void, ms: number): H; clear(handle: H): void }): EventTransport["wait"] {
  return (ms, cancel) =>
    new Promise((resolve) => {
      const handle = timers.set(resolve, ms);
      cancel.onCancel(() => {
        timers.clear(handle);
        resolve();
      });
    });
}

/** A cancellation a transport can hook (shared/ has no AbortController: it is pure ES). */
export class Cancel {
  private cancelled = false;
  private readonly hooks = new Set<() => void>();

  get isCancelled(): boolean {
    return this.cancelled;
  }

  /** Runs `hook` on cancellation (at once if already cancelled); returns a function that unhooks it. */
  onCancel(hook: () => void): () => void {
    if (this.cancelled) {
      hook();
      return () => undefined;
    }
    this.hooks.add(hook);
    return () => this.hooks.delete(hook);
  }

  cancel(): void {
    if (this.cancelled) return;
    this.cancelled = true;
    for (const hook of [...this.hooks]) hook();
    this.hooks.clear();
  }
}

/** The daemon answered the stream with an HTTP error (401: the access key is wrong or gone). */
export class StreamRefused extends Error {
  constructor(readonly status: number) {
    super(`The event stream answered HTTP ${status}.`);
  }
}

export type FollowState = "connecting" | "open" | "reconnecting" | "stopped";

export interface FollowerOptions {
  transport: EventTransport;
  types: readonly EventType[];
  /**
   * Re-read whatever the follower keeps (the status snapshot, the log's tail) and return the event
   * id it reflects; the follower goes on after it. Called at the start and whenever the daemon says
   * this follower fell behind (or restarted: ids from before a restart are "behind" too).
   */
  resync(): Promise<number>;
  onEvent(event: PodhostEvent): void;
  onState?(state: FollowState, detail?: string): void;
  /** Whether to keep trying after `error` (e.g. not after a 401). Default: always. */
  shouldRetry?(error: unknown): boolean;
  /** Backoff between tries, doubling from `minMs` to `maxMs`. */
  retry?: { minMs: number; maxMs: number };
}

/**
 * The one client of `/api/events` that the UI, the CLI and the tray share: follows the stream,
 * resumes after a drop from the last event it handed on (so nothing is lost or doubled), re-reads
 * the snapshot when the daemon says it fell behind, and retries with backoff while the daemon is away.
 */
export class EventFollower {
  private readonly stopping = new Cancel();
  private cursor: number | undefined;
  private running: Promise<void> | undefined;

  constructor(private readonly options: FollowerOptions) {}

  /** The id of the last event handed on (undefined until the first resync). */
  get lastEventId(): number | undefined {
    return this.cursor;
  }

  start(): Promise<void> {
    return (this.running ??= this.run());
  }

  stop(): Promise<void> {
    this.stopping.cancel();
    return this.running ?? Promise.resolve();
  }

  private async run(): Promise<void> {
    const { minMs, maxMs } = this.options.retry ?? { minMs: 500, maxMs: 15_000 };
    let delay = minMs;
    const stopping = this.stopping;
    this.state("connecting");
    while (!stopping.isCancelled) {
      let detail: string | undefined;
      try {
        this.cursor ??= await this.options.resync();
        const outcome = await this.follow();
        if (outcome === "behind") continue;
        if (outcome === "opened") delay = minMs;
      } catch (error) {
        if (stopping.isCancelled) break;
        if (this.options.shouldRetry && !this.options.shouldRetry(error)) {
          this.state("stopped", (error as Error).message);
          return;
        }
        detail = (error as Error).message;
      }
      if (stopping.isCancelled) break;
      this.state("reconnecting", detail);
      await this.options.transport.wait(delay, stopping);
      delay = Math.min(delay * 2, maxMs);
    }
    this.state("stopped");
  }

  /** One connection, until it ends: "behind" when the daemon said so, "opened" when anything got through. */
  private async follow(): Promise<"behind" | "opened" | "failed"> {
    const connection = new Cancel();
    const unhook = this.stopping.onCancel(() => connection.cancel());
    let opened = false;
    let behind = false;
    const parser = createParser({
      onEvent: (message) => {
        if (connection.isCancelled) return;
        const event = JSON.parse(message.data) as StreamEvent;
        if (event.type === "behind") {
          // Re-read the snapshot before anything else is applied.
          behind = true;
          this.cursor = undefined;
          return connection.cancel();
        }
        if (this.cursor !== undefined && event.id <= this.cursor) return;
        this.cursor = event.id;
        this.options.onEvent(event);
      },
    });
    const path = `${apiPaths.events}${eventsQuery({ since: this.cursor, types: this.options.types })}`;
    try {
      await this.options.transport.stream(
        path,
        (text) => {
          if (!opened) {
            opened = true;
            this.state("open");
          }
          parser.feed(text);
        },
        connection,
      );
    } catch (error) {
      // Cancelling our own connection (to resync) is not a failure.
      if (!behind) throw error;
    } finally {
      unhook();
    }
    return behind ? "behind" : opened ? "opened" : "failed";
  }

  private lastState: string | undefined;
  private state(state: FollowState, detail?: string): void {
    const key = `${state}:${detail ?? ""}`;
    if (key === this.lastState) return;
    this.lastState = key;
    this.options.onState?.(state, detail);
  }
}
