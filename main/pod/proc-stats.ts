import { groupMembers, hasProcfs, pageBytes, ticksPerSecond } from "./proc";

export interface CpuSample {
  at: number;
  ticks: number;
}

/**
 * CPU and memory of a whole process group (puma's workers count toward "web"). CPU is the
 * share of one core since the previous sample; undefined on the first sample.
 */
export function sampleGroup(pgid: number, now: number, previous: CpuSample | undefined): { cpu: CpuSample; cpuPercent?: number; rssBytes: number } | undefined {
  if (!hasProcfs) return undefined;
  const members = groupMembers(pgid);
  if (members.length === 0) return undefined;
  const ticks = members.reduce((sum, m) => sum + m.cpuTicks, 0);
  const rssBytes = members.reduce((sum, m) => sum + m.rssPages, 0) * pageBytes;
  const cpu = { at: now, ticks };
  if (!previous || now <= previous.at) return { cpu, rssBytes };
  const cpuPercent = Math.max(0, Math.round((((ticks - previous.ticks) / ticksPerSecond) / ((now - previous.at) / 1000)) * 1000) / 10);
  return { cpu, cpuPercent, rssBytes };
}
