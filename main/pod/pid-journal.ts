import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Logger } from "../log";
import { asObject, readJsonFileSync, writeFileSafelySync } from "../store/files";
import type { Clock } from "../service";
import { bootId, groupMembers, hasProcfs, readStat } from "./proc";
import { signalGroup, terminateGroup } from "./process-group";

/** One process group podhost started: enough to recognise it again after podhost itself died. */
interface JournalEntry {
  name: string;
  pid: number;
  command: string;
  args: string[];
  startTicks: number;
  bootId: string;
}

/**
 * `<dataDir>/pod/pids.json`: the process groups that are running right now. Written on every
 * spawn and exit (synchronously, so a crash of podhost right after a spawn still leaves the
 * entry); read at the next start to stop what a crashed podhost left behind.
 */
export class PidJournal {
  private readonly path: string;
  private entries: JournalEntry[];

  constructor(podDir: string, private readonly log: Logger) {
    mkdirSync(podDir, { recursive: true, mode: 0o700 });
    this.path = join(podDir, "pids.json");
    this.entries = this.read();
  }

  record(name: string, pid: number, command: string, args: string[]): void {
    const startTicks = readStat(pid)?.startTicks ?? 0;
    this.entries = [...this.entries.filter((e) => e.pid !== pid), { name, pid, command, args, startTicks, bootId: bootId() }];
    this.write();
  }

  forget(pid: number): void {
    this.entries = this.entries.filter((e) => e.pid !== pid);
    this.write();
  }

  /** Stop every journaled group that is still ours; returns how many groups were stopped. */
  async reapOrphans(stopTimeoutMs: number, clock: Clock): Promise<number> {
    let reaped = 0;
    for (const entry of this.entries) {
      const verdict = this.recognise(entry);
      if (verdict === "leader") {
        this.log.warn(`Stopping ${entry.name} (pid ${entry.pid}) left running by an earlier podhost that did not shut down cleanly.`);
        await terminateGroup(entry.pid, stopTimeoutMs, clock);
        reaped++;
      } else if (verdict === "orphans") {
        this.log.warn(`Killing processes of ${entry.name} (group ${entry.pid}) left running by an earlier podhost.`);
        signalGroup(entry.pid, "SIGKILL");
        reaped++;
      } else if (verdict === "someone-else") {
        this.log.info(`pid ${entry.pid} from the pid journal now belongs to another program; leaving it alone.`);
      }
    }
    this.entries = [];
    this.write();
    return reaped;
  }

  /**
   * Whether the journaled group is still the one podhost started. A pid alone could have been
   * reused; the leader must also have the same start time in the same boot (a reused pid starts
   * later) and still lead its own group. Its command line proves nothing either way: a command
   * run through a shell (`sh -c 'exec …'`) becomes another program, and puma and sidekiq rewrite
   * their titles. When the leader is gone, members of its group that started after it are its
   * orphans (Linux keeps a pgid from being reused while any member lives).
   */
  private recognise(entry: JournalEntry): "leader" | "orphans" | "gone" | "someone-else" {
    if (!hasProcfs || entry.bootId !== bootId()) return "gone";
    const stat = readStat(entry.pid);
    if (stat && stat.state !== "Z") return stat.startTicks === entry.startTicks && stat.pgrp === entry.pid ? "leader" : "someone-else";
    const orphans = groupMembers(entry.pid).filter((member) => member.startTicks >= entry.startTicks);
    return orphans.length > 0 ? "orphans" : "gone";
  }

  private read(): JournalEntry[] {
    const read = readJsonFileSync(this.path);
    if (read.state === "damaged") this.log.warn(`The pid journal ${this.path} is damaged (${read.reason}): processes an earlier podhost left running cannot be recognised; check for leftover pod processes (ps) if the pod will not start.`);
    const entries = read.state === "ok" ? asObject(read.value)?.entries : undefined;
    return Array.isArray(entries) ? (entries as JournalEntry[]) : [];
  }

  private write(): void {
    writeFileSafelySync(this.path, JSON.stringify({ entries: this.entries }, null, 2), 0o600);
  }
}
