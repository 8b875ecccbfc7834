import type { BenchResult } from "./types";

/** One table per group: value, yardstick, ratio, goal, met. */
export function printResults(group: string, results: BenchResult[]): void {
  console.log(`\n## ${group}`);
  for (const result of results) {
    const ratio = result.yardstick ? ` | ${result.yardstick.name}: ${format(result.yardstick.value)} ${result.unit} | ratio ${(result.value / result.yardstick.value).toFixed(2)}x` : "";
    console.log(`${result.met ? "MET " : "MISS"} ${result.name}: ${format(result.value)} ${result.unit}${ratio} | goal ${result.goal}`);
  }
}

function format(value: number): string {
  return value >= 100 ? value.toFixed(0) : value.toFixed(2);
}
