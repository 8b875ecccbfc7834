const minute = 60 * 1000;
export const day = 24 * 60 * minute;

/** Renew at two thirds of the lifetime (Let's Encrypt's 90 days: 30 days before expiry). */
export function renewalTime(notBefore: number, notAfter: number): number {
  return notBefore + Math.round(((notAfter - notBefore) * 2) / 3);
}

/** After the n-th failure in a row: 1 min, 2, 4, ... capped at one day. */
export function backoffDelay(failures: number): number {
  return Math.min(minute * 2 ** Math.max(0, failures - 1), day);
}

/** "in 2 minutes (at 2026-11-22 11:45 UTC)": when the next try is, in words. */
export function describeWhen(at: number, now: number): string {
  const ms = Math.max(0, at - now);
  const stamp = new Date(at).toISOString().slice(0, 16).replace("T", " ");
  const [amount, unit] = ms < 90 * minute ? [Math.max(1, Math.round(ms / minute)), "minute"] : ms < 2 * day ? [Math.round(ms / (60 * minute)), "hour"] : [Math.round(ms / day), "day"];
  return `in ${amount} ${unit}${amount === 1 ? "" : "s"} (at ${stamp} UTC)`;
}

/** Long timers overflow (setTimeout wraps past ~24.8 days), so wake at least daily and re-plan. */
export function timerDelay(at: number, now: number): number {
  return Math.min(Math.max(0, at - now), day);
}
