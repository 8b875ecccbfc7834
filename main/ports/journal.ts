import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import writeFileAtomic from "write-file-atomic";
import type { MappingPurpose } from "../../shared/ports";

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

  constructor(private readonly dir: string) {
    this.path = join(dir, "journal.json");
  }

  async read(): Promise<JournalEntry[]> {
    try {
      const parsed = JSON.parse(await readFile(this.path, "utf8")) as { mappings?: JournalEntry[] };
      return Array.isArray(parsed.mappings) ? parsed.mappings : [];
    } catch {
      return [];
    }
  }

  async write(mappings: JournalEntry[]): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    await writeFileAtomic(this.path, `${JSON.stringify({ mappings }, null, 2)}\n`);
  }
}
