import { chmod } from "node:fs/promises";
import { moveAside, readTextIfExists, writeFileSafely } from "./files";

/** Read access to secrets, for the services that need one (a DDNS token, say). */
export interface SecretsReader {
  get(key: string): string | undefined;
}

/**
 * secrets.json, mode 0600, apart from settings. Values never leave the daemon except to the
 * service that uses them; the API shows only whether one is set and a masked hint.
 */
export class SecretsStore implements SecretsReader {
  private values: Record<string, string> = {};

  constructor(readonly path: string) {}

  async load(now = new Date()): Promise<string[]> {
    const text = await readTextIfExists(this.path);
    if (text === undefined) return [];
    try {
      const parsed = JSON.parse(text) as unknown;
      if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new Error("not an object");
      this.values = Object.fromEntries(Object.entries(parsed).filter((entry): entry is [string, string] => typeof entry[1] === "string"));
      await chmod(this.path, 0o600);
      return [];
    } catch {
      const movedTo = await moveAside(this.path, now);
      return [`The secrets file could not be read; it was kept as ${movedTo}. Enter your DNS password or token again.`];
    }
  }

  get(key: string): string | undefined {
    return this.values[key];
  }

  all(): string[] {
    return Object.values(this.values);
  }

  async set(key: string, value: string | undefined): Promise<void> {
    const next = { ...this.values };
    if (value === undefined || value === "") delete next[key];
    else next[key] = value;
    await writeFileSafely(this.path, `${JSON.stringify(next, null, 2)}\n`, 0o600);
    this.values = next;
  }

  /** "••••3f9a": enough to recognise a value, never enough to use it. */
  hint(key: string): string | undefined {
    const value = this.values[key];
    if (value === undefined) return undefined;
    return value.length >= 12 ? `••••${value.slice(-4)}` : "••••";
  }
}
