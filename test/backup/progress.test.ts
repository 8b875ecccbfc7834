import { describe, expect, it } from "vitest";
import { describeProgress } from "../../shared/backup";
import { ProgressMeter } from "../../main/backup/progress";
import { ManualClock } from "../net/manual-clock";

describe("backup progress", () => {
  it("reaches listeners at most four times a second however often restic reports, and ends on the latest figures", () => {
    const clock = new ManualClock();
    let emitted = 0;
    const meter = new ProgressMeter("backup", "Backing up files", clock, () => emitted++);
    emitted = 0;
    for (let ms = 0; ms < 2_000; ms += 10) {
      meter.update({ bytesDone: ms * 1_000_000, bytesTotal: 4_000_000_000, itemsDone: ms, itemsTotal: 4_000 });
      clock.advance(10);
    }
    expect(emitted).toBeLessThanOrEqual(9);
    expect(emitted).toBeGreaterThanOrEqual(7);
    expect(meter.value.bytesDone).toBe(1_990_000_000);
    // The manual clock moves with real time too: the rate is within a few percent of 1 GB/s.
    expect(meter.value.bytesPerSecond! / 1e9).toBeCloseTo(1, 1);
    expect(meter.value.secondsLeft).toBe(2);
    expect(describeProgress(meter.value)).toMatch(/^Backing up files: 2\.0 GB of 4\.0 GB \(49%\), 1990 of 4000 files, (1\.0 GB|99\d\.\d MB)\/s, about 2 s left$/);
  });
});
