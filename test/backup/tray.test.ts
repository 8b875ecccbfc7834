import { describe, expect, it } from "vitest";
import { notificationsFor } from "../../main/electron/notifications";
import { trayModel } from "../../main/electron/menu";
import type { BackupStatus } from "../../shared/backup";
import { snapshotWith } from "../helpers/snapshot";

const hour = 3_600_000;

const snapshot = (backup: BackupStatus) => snapshotWith({ backup });

const record = (at: number) => ({ at, snapshotId: "1a5834d3", totalBytes: 1e9, files: 500, bytesAdded: 1e6, durationMs: 1000 });
const glance = (backup: BackupStatus) => trayModel(snapshot(backup), { podUrl: undefined, autostart: false }).items.filter((i) => i.type === "info").map((i) => (i as { label: string }).label);

describe("backups in the tray", () => {
  it("says when the last good backup was, a running job's share, or that none is set up", () => {
    expect(glance({ state: "backed-up", message: "", enabled: true, lastSuccess: record(Date.now() - 5 * hour - 60_000) })).toContain("Backups: last good 5 h ago");
    expect(glance({ state: "overdue", message: "", enabled: true, lastSuccess: record(Date.now() - 4 * 24 * hour) })).toContain("Backups: none for 4 days");
    expect(glance({ state: "backing-up", message: "", enabled: true, progress: { operation: "backup", phase: "Backing up files", startedAt: 0, unit: "files", bytesDone: 460, bytesTotal: 1000 } })).toContain("Backups: backing up 46%");
    expect(glance({ state: "off", message: "", enabled: false })).toContain("Backups: not set up");
  });

  it('notifies once when backups become overdue ("no backup for 3 days") or fail', () => {
    const good = snapshot({ state: "backed-up", message: "The last good backup is from …", enabled: true });
    const overdue = snapshot({ state: "overdue", message: "No backup for 3 days: …", enabled: true });
    expect(notificationsFor(good, overdue)).toEqual([{ title: "Your pod has not been backed up for days", body: "No backup for 3 days: …" }]);
    expect(notificationsFor(overdue, overdue)).toEqual([]);
    const failed = snapshot({ state: "failed", message: "The last backup failed: The backup disk is full …", enabled: true });
    expect(notificationsFor(good, failed)).toEqual([{ title: "A backup of your pod failed", body: "The last backup failed: The backup disk is full …" }]);
  });
});
