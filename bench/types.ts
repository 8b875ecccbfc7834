/** One line of the benchmark report: a podhost figure, its yardstick from the same run, and the goal. */
export interface BenchResult {
  name: string;
  unit: string;
  value: number;
  /** The yardstick measured in the same run (nginx, upnpc, ...), when there is one. */
  yardstick?: { name: string; value: number };
  /** The goal as text, e.g. ">= 0.6x nginx" or "<= 500 ms". */
  goal: string;
  /** Whether the goal was met. */
  met: boolean;
}
