import { cp, readdir, rename, rm } from "node:fs/promises";
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { InstallJob, StepId, SystemCheck } from "../../../shared/install";
import { stepInfo } from "../../../shared/install";
import { readTextIfExists, writeFileSafely } from "../../store/files";

/** What the running step wrote, so a cancel (or a crash in the middle) can undo exactly that. */
export interface StepJournal {
  /** Paths the step created: removed on undo. */
  created: string[];
  /** Files the step changed: their copy from before goes back on undo. */
  saved: Array<{ path: string; copy: string }>;
}

/** Upgrade: where to go back to when it fails. */
export interface RollbackPoint {
  commit: string;
  tag?: string;
  dump?: string;
  dumpedAt?: number;
  assets?: string;
}

/** The installer's progress as stored on disk: a retry after a restart continues from the failed step. */
export interface JobRecord extends Omit<InstallJob, "outputTail" | "check"> {
  repository: string;
  check?: SystemCheck;
  journal: StepJournal;
  rollback?: RollbackPoint;
  /** The migrate step found no tables: cancelling it empties the database again. */
  freshDatabase?: boolean;
}

export function newJob(kind: JobRecord["kind"], version: string, dir: string, repository: string, stepIds: readonly StepId[], now: number, from?: string): JobRecord {
  return {
    kind,
    version,
    dir,
    repository,
    ...(from ? { from } : {}),
    state: "running",
    startedAt: now,
    steps: stepIds.map((id) => ({ id, title: stepInfo[id].title, state: "pending", estimateMs: stepInfo[id].typicalMs })),
    journal: { created: [], saved: [] },
  };
}

/** `<dataDir>/install/job.json`, written atomically after every change of state. */
export class JobStore {
  readonly file: string;

  constructor(readonly root: string) {
    this.file = join(root, "job.json");
  }

  async load(): Promise<JobRecord | undefined> {
    const text = await readTextIfExists(this.file);
    if (!text) return undefined;
    try {
      return JSON.parse(text) as JobRecord;
    } catch {
      return undefined;
    }
  }

  save(job: JobRecord): Promise<void> {
    return writeFileSafely(this.file, JSON.stringify(job, null, 2));
  }

  logFile(job: JobRecord, step: StepId): string {
    return join(this.root, "logs", `${job.kind}-${step}.log`);
  }
}

/** Undo what a step wrote (newest first): created paths go, saved copies come back. */
export async function undoJournal(journal: StepJournal): Promise<void> {
  for (const path of [...journal.created].reverse()) await rm(path, { recursive: true, force: true });
  for (const { path, copy } of [...journal.saved].reverse()) {
    if (!existsSync(copy)) continue;
    await rm(path, { recursive: true, force: true });
    await rename(copy, path);
  }
  journal.created = [];
  journal.saved = [];
}

/** Forget the copies a finished step kept for its undo. */
export async function commitJournal(journal: StepJournal): Promise<void> {
  for (const { copy } of journal.saved) await rm(copy, { recursive: true, force: true });
  journal.created = [];
  journal.saved = [];
}

/** Record `path` before the step changes it: a copy when it exists, else "created". */
export async function journalPath(journal: StepJournal, path: string): Promise<void> {
  if (journal.created.includes(path) || journal.saved.some((s) => s.path === path)) return;
  if (!existsSync(path)) {
    journal.created.push(path);
    return;
  }
  const copy = `${path}.podhost-undo`;
  await rm(copy, { recursive: true, force: true });
  await cp(path, copy, { recursive: true, preserveTimestamps: true });
  journal.saved.push({ path, copy });
}

/** The entries of `dir` (a step that fills a folder records the new ones as created). */
export async function entriesOf(dir: string): Promise<string[]> {
  return (await readdir(dir).catch(() => [] as string[])).map((name) => join(dir, name));
}
