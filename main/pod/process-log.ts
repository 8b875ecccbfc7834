import type { Readable } from "node:stream";
import type { Logger } from "../log";
import type { Clock } from "../service";
import { redactSecrets } from "./redact";
import { RotatingFile, type LogLimits } from "../system/rotating-file";

const tailSize = 50;

/**
 * Everything one pod process prints: split into lines, secrets redacted, timestamped into its
 * rotated file, forwarded to the daemon's log, and the last 50 lines kept for the crash report.
 */
export class ProcessLog {
  private readonly file: RotatingFile;
  private readonly tail: string[] = [];

  constructor(path: string, limits: LogLimits, private readonly log: Logger, private readonly clock: Clock) {
    this.file = new RotatingFile(path, limits);
  }

  get path(): string {
    return this.file.path;
  }

  /** Follow a child's stdout or stderr until it ends. */
  follow(stream: Readable, name: "stdout" | "stderr"): void {
    let partial = "";
    stream.setEncoding("utf8");
    stream.on("data", (chunk: string) => {
      const lines = (partial + chunk).split(/\r?\n/);
      partial = lines.pop() ?? "";
      for (const line of lines) this.line(name, line);
    });
    stream.on("end", () => {
      if (partial) this.line(name, partial);
      partial = "";
    });
  }

  /** A line podhost itself says about the process (started, exited, killed). */
  note(text: string): void {
    this.line("podhost", text);
  }

  lastLines(): string[] {
    return [...this.tail];
  }

  close(): void {
    this.file.close();
  }

  private line(stream: "stdout" | "stderr" | "podhost", raw: string): void {
    const text = redactSecrets(raw);
    const formatted = `${new Date(this.clock.now()).toISOString()} ${stream} ${text}`;
    this.file.write(`${formatted}\n`);
    this.tail.push(formatted);
    if (this.tail.length > tailSize) this.tail.shift();
    if (stream === "stderr") this.log.warn(text);
    else this.log.info(text);
  }
}
