import type { LogLine } from "../shared/logs";

export interface Logger {
  debug(text: string): void;
  info(text: string): void;
  warn(text: string): void;
  error(text: string): void;
  /** A logger whose lines carry `source` (e.g. "pod/web"). */
  child(source: string): Logger;
}

type Sink = (line: LogLine) => void;

/**
 * The daemon's log: keeps the last lines for the Logs page, fans out to subscribers (the
 * event stream, the log file) and redacts secrets before anything leaves it.
 */
export class LogBus {
  private readonly lines: LogLine[] = [];
  private readonly sinks = new Set<Sink>();
  private secrets: string[] = [];

  constructor(private readonly capacity = 2000) {}

  /** Values that must never appear in a log line (tokens, passwords). */
  setSecrets(values: string[]): void {
    this.secrets = values.filter((v) => v.length >= 4);
  }

  write(level: LogLine["level"], source: string, text: string): void {
    const line: LogLine = { time: Date.now(), level, source, text: this.redact(text) };
    this.lines.push(line);
    if (this.lines.length > this.capacity) this.lines.splice(0, this.lines.length - this.capacity);
    for (const sink of this.sinks) sink(line);
  }

  tail(count: number): LogLine[] {
    return this.lines.slice(-count);
  }

  subscribe(sink: Sink): () => void {
    this.sinks.add(sink);
    return () => this.sinks.delete(sink);
  }

  logger(source: string): Logger {
    return {
      debug: (text) => this.write("debug", source, text),
      info: (text) => this.write("info", source, text),
      warn: (text) => this.write("warn", source, text),
      error: (text) => this.write("error", source, text),
      child: (sub) => this.logger(`${source}/${sub}`),
    };
  }

  redact(text: string): string {
    let out = text;
    for (const secret of this.secrets) out = out.split(secret).join("[redacted]");
    return out.replace(/(authorization:\s*(?:bearer|basic)\s+)\S+/gi, "$1[redacted]").replace(/([?&](?:token|password|key)=)[^&\s]+/gi, "$1[redacted]");
  }
}

export function formatLogLine(line: LogLine): string {
  return `${new Date(line.time).toISOString()} ${line.level.padEnd(5)} [${line.source}] ${line.text}`;
}
