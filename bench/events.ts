// The event log's cost per log line (id, JSON once, bounded buffer, followers woken), next to the
// floor any stream of those lines pays: JSON.stringify of each, measured in the same run,
// interleaved, median of 7 rounds of 50,000 lines.
import { EventLog } from "../main/events/event-log";
import type { LogLine } from "../shared/logs";
import type { BenchResult } from "./types";

const linesPerRound = 50_000;
const rounds = 7;
const followers = 8;

function lines(): LogLine[] {
  const pad = "GET /api/v1/posts 200 in 12ms ".repeat(4);
  return Array.from({ length: linesPerRound }, (_, i) => ({ time: Date.now(), level: "info", source: "pod/web", text: `${i} ${pad}` }));
}

function timeLog(input: LogLine[]): number {
  const log = new EventLog();
  // Followers as the server keeps them: a cursor each, woken on every publish, reading what is new.
  const cursors = Array.from({ length: followers }, () => log.lastId);
  const types = new Set(["log"] as const);
  log.onPublish(() => {
    for (let i = 0; i < cursors.length; i++) {
      const batch = log.since(cursors[i]!, types, 256);
      if (!batch.behind) cursors[i] = batch.next;
    }
  });
  const began = performance.now();
  for (const line of input) log.publish("log", line);
  return performance.now() - began;
}

function timeStringify(input: LogLine[]): number {
  const began = performance.now();
  let bytes = 0;
  for (const line of input) bytes += JSON.stringify({ id: 0, type: "log", time: 0, data: line }).length;
  if (bytes === 0) throw new Error("nothing serialised");
  return performance.now() - began;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

export async function run(): Promise<BenchResult[]> {
  const input = lines();
  const log: number[] = [];
  const floor: number[] = [];
  for (let round = 0; round < rounds; round++) {
    floor.push(timeStringify(input));
    log.push(timeLog(input));
  }
  const perLine = (ms: number) => (ms * 1000) / linesPerRound;
  const value = perLine(median(log));
  const yardstick = perLine(median(floor));
  return [{ name: `event log, ${followers} followers: cost per log line`, unit: "us", value, yardstick: { name: "JSON.stringify of the event", value: yardstick }, goal: "<= 3x JSON.stringify", met: value <= 3 * yardstick }];
}
