import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createBackupService, type BackupService } from "../../main/backup";
import { nextDailyRun } from "../../main/backup/schedule";
import { LogBus } from "../../main/log";
import { applySettingsChanges, defaultSettings } from "../../shared/settings";
import { ManualClock } from "../net/manual-clock";
import { tempDir, waitFor } from "../helpers/temp";
import { resticAs } from "./helpers";

/**
 * The schedule and retention with a clock the test moves: off until turned on, then daily at
 * the quiet hour with `restic forget` applied and a check when one is due; "no backup for 3
 * days" is a warning. restic is real (snapshot times follow podhost's clock through --time).
 */
const hour = 3_600_000;
const passphrase = "correct horse battery staple";

describe("the backup schedule", () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  let clock: ManualClock;
  let service: BackupService;
  let repository: string;

  const settingsWith = (changes: Record<string, unknown>) =>
    applySettingsChanges(defaultSettings(), { "pod.profile": "custom", "pod.command": "/bin/true", "backup.repository": repository, "backup.paths": [join(dir.path, "files")], ...changes });
  const snapshots = () => JSON.parse(resticAs(repository, passphrase, ["snapshots", "--json"]).out) as Array<{ time: string }>;
  const afterRun = async (previous: number | undefined) =>
    waitFor("the scheduled run to finish", () => {
      const status = service.status();
      return status.state !== "backing-up" && status.state !== "checking" && (status.lastSuccess?.at ?? 0) !== (previous ?? 0) && status.nextRunAt !== undefined && status;
    }, 30_000);

  beforeEach(async () => {
    dir = await tempDir();
    repository = join(dir.path, "repo");
    await mkdir(join(dir.path, "files"));
    await writeFile(join(dir.path, "files", "post.txt"), "hello");
    clock = new ManualClock();
    service = createBackupService({ ctx: { dataDir: join(dir.path, "data"), log: new LogBus().logger("backup"), clock }, password: () => passphrase, openDatabase: async () => undefined });
    await service.setUp(repository, passphrase);
  });
  afterEach(async () => {
    await service.stop();
    await dir.cleanup();
  });

  it("runs nothing until daily backups are turned on", async () => {
    await service.configure(settingsWith({ "backup.enabled": false }));
    await service.start();
    expect(service.status()).toMatchObject({ state: "never", enabled: false });
    expect(service.status().nextRunAt).toBeUndefined();
    clock.advance(3 * 24 * hour);
    expect(snapshots()).toHaveLength(0);
  });

  it("backs up daily at the quiet hour, keeps what retention says, and checks the repository when due", async () => {
    const quietHour = (new Date(clock.now()).getHours() + 2) % 24;
    await service.configure(settingsWith({ "backup.enabled": true, "backup.hour": quietHour, "backup.keepDaily": 3, "backup.keepWeekly": 0, "backup.keepMonthly": 0 }));
    await service.start();
    const due = service.status().nextRunAt!;
    expect(new Date(due).getHours()).toBe(quietHour);
    expect(new Date(due).getMinutes()).toBe(0);
    expect(due - clock.now()).toBeLessThanOrEqual(2 * hour);
    let last: number | undefined;
    for (let day = 0; day < 5; day++) {
      clock.advance(service.status().nextRunAt! - clock.now());
      last = (await afterRun(last)).lastSuccess!.at;
    }
    const kept = snapshots();
    expect(kept).toHaveLength(3);
    expect(new Set(kept.map((s) => s.time.slice(0, 10))).size).toBe(3);
    expect(service.status().lastCheck).toMatchObject({ ok: true, readPercent: 5 });
    expect(service.status().state).toBe("backed-up");
  });

  it('warns "no backup for 3 days" when the last good backup is older', async () => {
    await service.configure(settingsWith({ "backup.enabled": false }));
    await service.start();
    await service.backupNow("manual");
    expect(service.status().state).toBe("backed-up");
    clock.advance(3 * 24 * hour + hour);
    expect(service.status()).toMatchObject({ state: "overdue", action: { command: "backup.now" } });
    expect(service.status().message).toMatch(/^No backup for 3 days/);
  });

  it("says the check found damage when a pack in the repository was corrupted", async () => {
    await service.configure(settingsWith({ "backup.enabled": false }));
    await service.start();
    await service.backupNow("manual");
    expect((await service.check(100)).ok).toBe(true);
    const packs = execFileSync("find", [join(repository, "data"), "-type", "f"], { encoding: "utf8" }).trim().split("\n");
    for (const pack of packs) {
      const bytes = await readFile(pack);
      const at = bytes.length - 40;
      bytes.writeUInt8(bytes.readUInt8(at) ^ 0xff, at);
      await writeFile(pack, bytes);
    }
    await expect(service.check(100)).rejects.toThrow(/The check found damage/);
    expect(service.status().lastCheck).toMatchObject({ ok: false, readPercent: 100 });
    expect(service.status()).toMatchObject({ state: "failed", message: expect.stringMatching(/found damage/) });
  });

  it("makes up a daily backup missed while the computer was off, soon after podhost is back", () => {
    const now = new Date(2026, 4, 6, 14, 0).getTime();
    const lastRun = new Date(2026, 4, 4, 3, 0).getTime();
    expect(nextDailyRun(now, 3, lastRun) - now).toBeLessThanOrEqual(2 * 60_000);
    expect(nextDailyRun(now, 3, new Date(2026, 4, 6, 3, 0).getTime())).toBe(new Date(2026, 4, 7, 3, 0).getTime());
  });
});
