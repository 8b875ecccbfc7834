import type { Notice } from "../../shared/notices";
import { asObject, keepBackup, readJsonFile, writeFileSafely } from "./files";

/** Read access to secrets, for the services that need one (a DDNS token, say). */
export interface SecretsReader {
  get(key: string): string | undefined;
}

/**
 * secrets.json, mode 0600, apart from settings. Values never leave the daemon except to the
 * service that uses them; the API shows only whether one is set and a masked hint. Like
 * settings: loading never moves or rewrites the file, entries podhost does not know are kept,
 * and the file replaced by a save goes to backups/ (0600) first.
 */
export class SecretsStore implements SecretsReader {
  /** Everything the file holds, known keys or not. */
  private entries: Record<string, unknown> = {};

  constructor(readonly path: string) {}

  async load(): Promise<Notice[]> {
    const read = await readJsonFile(this.path);
    if (read.state === "missing") return [];
    const parsed = read.state === "ok" ? asObject(read.value) : undefined;
    if (parsed) {
      this.entries = parsed;
      return [];
    }
    const why = read.state === "damaged" ? read.reason : "it is not a JSON object";
    return [{ id: "secrets-damaged", text: `The secrets file ${this.path} could not be read (${why}), so podhost has no DNS password or token. The file is left as it is: fix it and restart podhost, or enter them again (the file is then kept in backups/).` }];
  }

  get(key: string): string | undefined {
    const value = this.entries[key];
    return typeof value === "string" ? value : undefined;
  }

  all(): string[] {
    return Object.values(this.entries).filter((value): value is string => typeof value === "string");
  }

  async set(key: string, value: string | undefined, now = new Date()): Promise<void> {
    const next = { ...this.entries };
    if (value === undefined || value === "") delete next[key];
    else next[key] = value;
    await keepBackup(this.path, now);
    await writeFileSafely(this.path, `${JSON.stringify(next, null, 2)}\n`, 0o600);
    this.entries = next;
  }

  /** "••••3f9a": enough to recognise a value, never enough to use it. */
  hint(key: string): string | undefined {
    const value = this.get(key);
    if (value === undefined) return undefined;
    return value.length >= 12 ? `••••${value.slice(-4)}` : "••••";
  }
}
