import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { screenshot, seriousA11yViolations } from "../helpers/browser";
import { podhost } from "../helpers/podhost";
import { tempDir } from "../helpers/temp";
import { openPodhostUi, type UiSession } from "../helpers/ui-session";
import { resticAs } from "./helpers";

/** The Backups and Restore pages in Chromium, against a real daemon and restic. */
describe("the Backups page", () => {
  let ui: UiSession;
  let files: { path: string; cleanup: () => Promise<void> };
  let passphrase = "";

  beforeAll(async () => {
    files = await tempDir();
    await mkdir(join(files.path, "data"));
    await writeFile(join(files.path, "data", "post.txt"), "a post worth keeping");
    ui = await openPodhostUi({ settings: { "pod.profile": "custom", "pod.command": "/bin/true", "backup.paths": [join(files.path, "data")] } });
    await ui.page.locator('a[href="#/backups"]').click();
  });
  afterAll(async () => {
    await ui?.close();
    await files?.cleanup();
  });

  it("says backups are off and why it matters, until a repository is set up", async () => {
    await expect.poll(() => ui.page.locator("[data-backup-state]").getAttribute("data-backup-state")).toBe("off");
    expect(await ui.page.locator("[data-backup-message]").textContent()).toMatch(/if this computer's disk dies/);
  });

  it("creates the repository, shows the passphrase once, and turns daily backups on only after it is typed back", async () => {
    await ui.page.locator('[data-control="backup-repository"]').fill(join(files.path, "usb"));
    await ui.page.locator('[data-command="backup.setup"]').click();
    passphrase = (await ui.page.locator("[data-passphrase] code").textContent({ timeout: 30_000 })) ?? "";
    expect(passphrase).toMatch(/^[a-z0-9]{5}(-[a-z0-9]{5}){5}$/);
    await screenshot(ui.page, "backup-passphrase");
    expect(await ui.page.locator('[data-command="backup.enable"]').count()).toBe(0);
    await ui.page.locator('[data-control="backup-passphrase-confirm"]').fill(passphrase.split("-").pop()!);
    await ui.page.locator('[data-command="backup.enable"]').click();
    await expect.poll(async () => (await podhost(ui.dataDir, ["config", "get", "backup.enabled"])).stdout.trim()).toBe("true");
    // Shown once: the settings view only says a passphrase is set.
    expect((await podhost(ui.dataDir, ["config", "get"])).stdout).not.toContain(passphrase);
  });

  it("backs up now, then lists the backup with its size and what it holds", async () => {
    await ui.page.locator('[data-command="backup.now"]').click();
    await ui.page.locator("[data-snapshots] tbody tr").first().waitFor({ timeout: 60_000 });
    await expect.poll(() => ui.page.locator("[data-backup-state]").getAttribute("data-backup-state")).toBe("backed-up");
    expect(await ui.page.locator("[data-snapshots] tbody tr").first().textContent()).toMatch(/pod folders/);
    expect(JSON.parse(resticAs(join(files.path, "usb"), passphrase, ["snapshots", "--json"]).out)).toHaveLength(1);
    expect(await seriousA11yViolations(ui.page)).toEqual([]);
    await screenshot(ui.page, "backups-page");
  });

  it("restores a chosen backup from the Restore page", async () => {
    await writeFile(join(files.path, "data", "post.txt"), "changed after the backup");
    await ui.page.locator('a[href="#/backups/restore"]').click();
    await ui.page.locator('[data-snapshots] input[type="radio"]').first().check();
    await ui.page.locator('[data-command="backup.restore"]').click();
    await ui.page.locator("[data-restore-result]").waitFor({ timeout: 60_000 });
    expect(await ui.page.locator("[data-restore-result]").textContent()).toMatch(/Restored snapshot/);
    expect(await seriousA11yViolations(ui.page)).toEqual([]);
    await screenshot(ui.page, "restore-page");
  });
});
