import type { Clock } from "../../main/service";

/** A clock the test moves by hand: lease renewals happen when the test says so. */
export class ManualClock implements Clock {
  private offset = 0;
  private timers: { due: number; fn: () => void }[] = [];

  now(): number {
    return Date.now() + this.offset;
  }

  setTimeout(fn: () => void, ms: number): { cancel(): void } {
    const timer = { due: this.now() + ms, fn };
    this.timers.push(timer);
    return { cancel: () => (this.timers = this.timers.filter((t) => t !== timer)) };
  }

  /** Move time forward and run every timer that falls due, in order. */
  advance(ms: number): void {
    this.offset += ms;
    for (;;) {
      const due = this.timers.filter((t) => t.due <= this.now()).sort((a, b) => a.due - b.due)[0];
      if (!due) return;
      this.timers = this.timers.filter((t) => t !== due);
      due.fn();
    }
  }
}
