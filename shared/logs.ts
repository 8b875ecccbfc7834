/** One line of the daemon's log: what the Logs page and `podhost logs` show. */
export interface LogLine {
  /** Milliseconds since the epoch. */
  time: number;
  level: "debug" | "info" | "warn" | "error";
  /** Which part wrote it: "daemon", "pod/web", "proxy", ... */
  source: string;
  text: string;
}
