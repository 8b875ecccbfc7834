/** "21:40": a time of day in the local zone, for "checked at", "lost at", "unknown since". */
export function clockTime(ms: number): string {
  const date = new Date(ms);
  return `${String(date.getHours()).padStart(2, "0")}:${String(date.getMinutes()).padStart(2, "0")}`;
}
