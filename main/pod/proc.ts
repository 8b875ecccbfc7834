import { readFileSync, readdirSync } from "node:fs";

/** The few fields of /proc/<pid>/stat podhost uses. Linux only; undefined elsewhere or when the process is gone. */
export interface ProcStat {
  pid: number;
  state: string;
  pgrp: number;
  /** Clock ticks of CPU time, user + system. */
  cpuTicks: number;
  /** Start time in clock ticks since boot: with the pid, it names one process for the whole boot. */
  startTicks: number;
  rssPages: number;
}

/** Linux reports CPU in USER_HZ ticks (100 on every mainstream build) and memory in pages (4 KiB). */
export const ticksPerSecond = 100;
export const pageBytes = 4096;

export function readStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return undefined;
  }
  // The command name (field 2) may hold spaces and parentheses: split after its closing ")".
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  const at = (field: number) => Number(fields[field - 3]);
  return { pid, state: fields[0]!, pgrp: at(5), cpuTicks: at(14) + at(15), startTicks: at(22), rssPages: at(24) };
}

/** This boot's id: pid + start ticks only name a process within one boot. */
export function bootId(): string {
  try {
    return readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();
  } catch {
    return "";
  }
}

/** Live (non-zombie) members of a process group, from /proc. */
export function groupMembers(pgid: number): ProcStat[] {
  const members: ProcStat[] = [];
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return members;
  }
  for (const name of entries) {
    if (!/^\d+$/.test(name)) continue;
    const stat = readStat(Number(name));
    if (stat && stat.pgrp === pgid && stat.state !== "Z" && stat.state !== "X") members.push(stat);
  }
  return members;
}

export const hasProcfs = process.platform === "linux";
