import { join } from "node:path";
import type { MappingPurpose } from "../../shared/ports";
import { asObject, readJsonFile, writeFileSafely } from "../store/files";

/** A mapping podhost made, written down the moment the router accepted it. */
export interface JournalEntry {
  purpose: MappingPurpose;
  externalPort: number;
  internalPort: number;
  internalClient: string;
}

/**
 * `<dataDir>/ports/journal.json`: what is mapped right now. After a crash the next start
 * finds it non-empty and removes those mappings before anything else.
 */
export class MappingJournal {
  private readonly path: string;

  constructor(dir: string) {
    this.path = join(dir, "journal.json");
  }

  async read(): Promise<JournalEntry[]> {
    const read = await readJsonFile(this.path);
    const mappings = read.state === "ok" ? asObject(read.value)?.mappings : undefined;
    return Array.isArray(mappings) ? (mappings as JournalEntry[]) : [];
  }

  async write(mappings: JournalEntry[]): Promise<void> {
    await writeFileSafely(this.path, `${JSON.stringify({ mappings }, null, 2)}\n`, 0o600);
  }
}
