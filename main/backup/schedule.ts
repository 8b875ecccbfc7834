const dayMs = 24 * 3600_000;

/**
 * The daily backup: at `hour` o'clock local time. A run missed while the computer was off or
 * asleep (the last due time passed without one) is made up shortly after podhost is back,
 * rather than a day later.
 */
export function nextDailyRun(now: number, hour: number, lastScheduledAt: number | undefined, catchUpDelayMs = 2 * 60_000): number {
  const due = new Date(now);
  due.setHours(hour, 0, 0, 0);
  const previousDue = due.getTime() <= now ? due.getTime() : due.getTime() - dayMs;
  if (lastScheduledAt !== undefined && lastScheduledAt < previousDue) return now + catchUpDelayMs;
  return previousDue + dayMs;
}

/** A check is due when none ran yet, or the last is older than `everyDays`. */
export function checkDue(now: number, lastCheckAt: number | undefined, everyDays: number): boolean {
  return lastCheckAt === undefined || now - lastCheckAt >= everyDays * dayMs;
}
