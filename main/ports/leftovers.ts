import type { LeftoverMapping, PortsStatus } from "../../shared/ports";
import type { ServiceContext } from "../service";
import type { JournalEntry, MappingJournal } from "./journal";
import { removeIfOurs } from "./map-port";
import type { PortMapper } from "./mapper";
import { leftoverSentence } from "./messages";

/**
 * What a crashed run left on the router (the journal): named in the status while it may still
 * forward to this PC, removed as soon as the router answers, and then said when.
 */
export class Leftovers {
  private found: LeftoverMapping[] = [];

  constructor(
    private readonly ctx: ServiceContext,
    private readonly journal: MappingJournal,
  ) {}

  /** Read the journal at start-up; true when an earlier run left mappings. */
  async load(): Promise<boolean> {
    this.found = (await this.journal.read()).map(({ externalPort, internalClient, internalPort }) => ({ externalPort, internalClient, internalPort }));
    return this.found.length > 0;
  }

  /** Remove the journal's mappings that `held` (what this run maps now) does not have; what cannot be removed stays in the journal. */
  async remove(mapper: PortMapper, held: JournalEntry[]): Promise<void> {
    const stale = (await this.journal.read()).filter((entry) => !held.some((m) => m.externalPort === entry.externalPort));
    if (!stale.length) return;
    const kept: JournalEntry[] = [];
    for (const entry of stale) {
      try {
        if (await removeIfOurs(mapper, entry.externalPort, entry.internalPort, entry.internalClient)) this.ctx.log.info(`removed external port ${entry.externalPort} left by an earlier run`);
        const leftover = this.found.find((l) => l.externalPort === entry.externalPort);
        if (leftover) leftover.removedAt = this.ctx.clock.now();
      } catch (error) {
        kept.push(entry);
        this.ctx.log.warn(`could not remove external port ${entry.externalPort} left by an earlier run: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    await this.journal.write([...held, ...kept]);
  }

  /** An idle status with what is (or was) left, said first. */
  describe(base: PortsStatus): PortsStatus {
    if (!this.found.length) return base;
    return { ...base, message: `${leftoverSentence(this.found)} ${base.message}`, leftovers: this.found.map((l) => ({ ...l })) };
  }
}
