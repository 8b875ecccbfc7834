import { join } from "node:path";
import { isUserErrorInfo } from "../../../shared/errors";
import { newestFirst, type InstallSettings, type ReleaseInfo } from "../../../shared/install";
import type { Clock } from "../../service";
import { readTextIfExists, writeFileSafely } from "../../store/files";
import { chooseRelease, listReleases } from "./git";

const day = 24 * 60 * 60 * 1000;

interface Stored {
  installed?: string;
  latest?: string;
  checkedAt?: number;
  error?: string;
}

/**
 * Which diaspora* release podhost installed, and (only when pod.install.checkReleases is on) the
 * newest one the repository offers, asked with `git ls-remote --tags` at most once a day. The
 * last answer and when it came are kept on disk, so a restart does not ask again.
 */
export class Releases {
  private stored: Stored = {};
  private settings: InstallSettings | undefined;
  private timer: { cancel(): void } | undefined;
  private readonly file: string;

  constructor(root: string, private readonly env: NodeJS.ProcessEnv, private readonly clock: Clock, private readonly changed: () => void) {
    this.file = join(root, "releases.json");
  }

  async open(installedByJob: string | undefined): Promise<void> {
    const text = await readTextIfExists(this.file);
    try {
      this.stored = text ? (JSON.parse(text) as Stored) : {};
    } catch {
      this.stored = {};
    }
    if (!this.stored.installed && installedByJob) this.stored.installed = installedByJob;
  }

  configure(settings: InstallSettings): void {
    const before = this.settings;
    this.settings = settings;
    if (before?.checkReleases === settings.checkReleases && before.repository === settings.repository) return;
    this.timer?.cancel();
    this.timer = undefined;
    if (settings.checkReleases) this.schedule(before !== undefined && before.repository !== settings.repository ? 0 : undefined);
  }

  info(): ReleaseInfo {
    const { installed, latest, checkedAt, error } = this.stored;
    const upgrade = installed && latest && newestFirst(latest, installed) < 0 ? latest : undefined;
    return { ...(installed ? { installed } : {}), ...(latest ? { latest } : {}), ...(checkedAt ? { checkedAt } : {}), ...(upgrade ? { upgrade } : {}), ...(error ? { error } : {}) };
  }

  /** The user asked to install or upgrade: resolve the tag now (this asks the repository). */
  async choose(repository: string, version?: string): Promise<string> {
    const tag = await chooseRelease(repository, this.env, version);
    if (!version) await this.remember({ latest: tag, checkedAt: this.clock.now() });
    return tag;
  }

  /** Ask the repository now (the "Check for upgrades" button, and the daily check). */
  async checkNow(): Promise<ReleaseInfo> {
    const repository = this.settings?.repository;
    if (!repository) return this.info();
    try {
      const [latest] = await listReleases(repository, this.env);
      await this.remember({ ...(latest ? { latest } : {}), checkedAt: this.clock.now(), error: undefined });
    } catch (error) {
      await this.remember({ checkedAt: this.clock.now(), error: isUserErrorInfo(error) ? error.message : String(error) });
    }
    return this.info();
  }

  async installed(tag: string): Promise<void> {
    await this.remember({ installed: tag });
  }

  close(): void {
    this.timer?.cancel();
    this.timer = undefined;
  }

  private schedule(delayMs?: number): void {
    const due = delayMs ?? Math.max((this.stored.checkedAt ?? 0) + day - this.clock.now(), 0);
    this.timer = this.clock.setTimeout(() => {
      void this.checkNow().then(() => {
        if (this.settings?.checkReleases) this.schedule(day);
      });
    }, due);
  }

  private async remember(patch: Partial<Record<keyof Stored, unknown>>): Promise<void> {
    const next: Record<string, unknown> = { ...this.stored };
    for (const [key, value] of Object.entries(patch)) {
      if (value === undefined) delete next[key];
      else next[key] = value;
    }
    this.stored = next as Stored;
    await writeFileSafely(this.file, JSON.stringify(this.stored, null, 2));
    this.changed();
  }
}
