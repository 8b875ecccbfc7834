import type { BackupOperation, BackupProgress } from "../../shared/backup";
import type { Clock } from "../service";

/** At most four status changes a second: enough for a progress bar, little for the event stream. */
const minIntervalMs = 250;

/**
 * The progress of one job. `update` may be called as often as the source reports (restic's
 * JSON lines, a folder walk); listeners hear at most every 250 ms, plus the last word at once
 * when the phase changes. Rate and time left come from the bytes done, measured here.
 */
export class ProgressMeter {
  private current: BackupProgress;
  private lastEmit = 0;
  private timer: { cancel(): void } | undefined;
  private rateSample: { at: number; bytes: number } | undefined;

  constructor(
    operation: BackupOperation,
    phase: string,
    private readonly clock: Clock,
    private readonly emit: () => void,
  ) {
    this.current = { operation, phase, startedAt: clock.now(), unit: "files" };
    this.emit();
  }

  get value(): BackupProgress {
    return this.current;
  }

  phase(phase: string, reset: Partial<BackupProgress> = {}): void {
    const { operation, startedAt, unit } = this.current;
    this.current = { operation, startedAt, unit, ...reset, phase };
    this.rateSample = undefined;
    this.flush();
  }

  update(values: Partial<Omit<BackupProgress, "operation" | "startedAt">>): void {
    const now = this.clock.now();
    const next = { ...this.current, ...values };
    if (next.bytesDone !== undefined) {
      const sample = this.rateSample ?? { at: now, bytes: next.bytesDone };
      this.rateSample = sample;
      const seconds = (now - sample.at) / 1000;
      if (seconds >= 1) {
        next.bytesPerSecond = Math.round((next.bytesDone - sample.bytes) / seconds);
        if (next.bytesTotal !== undefined && next.bytesPerSecond > 0 && values.secondsLeft === undefined) {
          next.secondsLeft = Math.max(0, Math.round((next.bytesTotal - next.bytesDone) / next.bytesPerSecond));
        }
        // The rate follows the last few seconds, not the whole job (a slow start would skew it for good).
        if (seconds >= 5) this.rateSample = { at: now, bytes: next.bytesDone };
      }
    }
    this.current = next;
    if (now - this.lastEmit >= minIntervalMs) this.flush();
    else this.timer ??= this.clock.setTimeout(() => this.flush(), minIntervalMs - (now - this.lastEmit));
  }

  stop(): void {
    this.timer?.cancel();
    this.timer = undefined;
  }

  private flush(): void {
    this.timer?.cancel();
    this.timer = undefined;
    this.lastEmit = this.clock.now();
    this.emit();
  }
}

/** restic backup --json status lines -> progress ("percent_done", "bytes_done", "seconds_remaining"...). */
export function fromResticStatus(message: Record<string, unknown>): Partial<BackupProgress> | undefined {
  if (message.message_type !== "status") return undefined;
  const num = (key: string) => (typeof message[key] === "number" ? (message[key] as number) : undefined);
  const values: Partial<BackupProgress> = {};
  const set = (key: keyof BackupProgress, value: number | undefined) => {
    if (value !== undefined) (values as Record<string, number>)[key] = value;
  };
  set("bytesDone", num("bytes_done") ?? 0);
  set("bytesTotal", num("total_bytes"));
  set("itemsDone", num("files_done") ?? 0);
  set("itemsTotal", num("total_files"));
  set("secondsLeft", num("seconds_remaining"));
  return values;
}

/** restic check's text progress ("[0:03] 40.00%  2 / 5 packs") -> packs done. */
export function fromCheckLine(line: string): Partial<BackupProgress> | undefined {
  const match = /\]\s+[\d.]+%\s+(\d+)\s*\/\s*(\d+)\s+packs/.exec(line);
  return match ? { itemsDone: Number(match[1]), itemsTotal: Number(match[2]), unit: "packs" } : undefined;
}
