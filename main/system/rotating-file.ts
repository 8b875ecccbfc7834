import { basename, dirname, sep } from "node:path";
import { createStream, type RotatingFileStream } from "rotating-file-stream";

export interface LogLimits {
  /** Size at which the current file is rotated (it may pass it by the line that reached it). */
  maxBytes: number;
  /** Files kept in all, the current one included: `name.log`, `name.log.1` ... */
  maxFiles: number;
}

export const defaultLogLimits: LogLimits = { maxBytes: 10 * 1024 * 1024, maxFiles: 5 };

/** Lines waiting for the disk beyond this are dropped (and counted) rather than held in memory. */
const maxBuffered = 4 * 1024 * 1024;
/** After a failed write (a full disk, a folder gone read-only), how long before the file is tried again. */
const retryAfterMs = 30_000;

/** What went wrong with a log file, for the status: since when, and how many lines were lost. */
export interface LogFileProblem {
  path: string;
  message: string;
  since: number;
  linesLost: number;
}

/**
 * An append-only log file that rotates at `maxBytes`, keeping at most `maxFiles` files, written
 * by rotating-file-stream off the event loop (the loop that serves the proxy never waits on the
 * disk). A failed write or rotation (a full disk, a rename refused) never throws: lines are
 * dropped and counted, the problem is kept for the status, and the file is tried again later.
 */
export class RotatingFile {
  private stream: RotatingFileStream | undefined;
  private trouble: LogFileProblem | undefined;
  private retryAt = 0;
  private closing = false;
  private unreported = 0;

  constructor(
    readonly path: string,
    private readonly limits: LogLimits = defaultLogLimits,
    private readonly now: () => number = Date.now,
  ) {
    this.stream = this.open();
  }

  write(text: string): void {
    if (this.closing) return;
    if (!this.stream && this.now() >= this.retryAt) this.stream = this.open();
    const stream = this.stream;
    if (!stream) return this.lose();
    if (stream.writableLength > maxBuffered) {
      this.trouble ??= { path: this.path, message: `Log lines reach ${this.path} slower than they come: the disk cannot keep up, so some are dropped. podhost and the pod keep running.`, since: this.now(), linesLost: 0 };
      return this.lose();
    }
    stream.write(text, (error) => {
      if (error) this.lose();
      else if (this.trouble && stream === this.stream && stream.writableLength === 0) this.recovered(stream);
    });
  }

  /** Why lines are not reaching the file right now; undefined while all is well. */
  problem(): LogFileProblem | undefined {
    return this.trouble ? { ...this.trouble } : undefined;
  }

  /** Ends the file once what was written reached the disk (or could not). */
  close(): Promise<void> {
    this.closing = true;
    const stream = this.stream;
    this.stream = undefined;
    if (!stream || stream.destroyed) return Promise.resolve();
    return new Promise((resolve) => {
      stream.once("close", resolve);
      stream.end();
    });
  }

  private open(): RotatingFileStream {
    const stream = createStream(basename(this.path), { path: `${dirname(this.path)}${sep}`, size: `${this.limits.maxBytes}B`, rotate: Math.max(1, this.limits.maxFiles - 1), mode: 0o600 });
    stream.on("error", (error: NodeJS.ErrnoException) => this.failed(stream, error));
    return stream;
  }

  private failed(stream: RotatingFileStream, error: NodeJS.ErrnoException): void {
    if (stream !== this.stream) return;
    this.stream = undefined;
    this.retryAt = this.now() + retryAfterMs;
    const code = error.code ?? "";
    const why = ["ENOSPC", "EDQUOT"].includes(code) ? "the disk is full" : ["EROFS", "EACCES", "EPERM"].includes(code) ? "its folder cannot be written" : error.message;
    this.trouble = { path: this.path, message: `Log lines cannot be written to ${this.path}: ${why}. podhost and the pod keep running; lines are lost until this is fixed.`, since: this.trouble?.since ?? this.now(), linesLost: this.trouble?.linesLost ?? 0 };
    this.trouble.linesLost += this.unreported;
    this.unreported = 0;
    stream.destroy();
  }

  /** A line that did not reach the file (its write failed, or no file could be written). */
  private lose(): void {
    if (this.trouble) this.trouble.linesLost++;
    else this.unreported++; // the write failed before its stream said why: counted once it does
  }

  private recovered(stream: RotatingFileStream): void {
    const lost = this.trouble?.linesLost ?? 0;
    this.trouble = undefined;
    stream.write(`${new Date(this.now()).toISOString()} podhost: ${lost} log line${lost === 1 ? " was" : "s were"} lost while this file could not be written.\n`);
  }
}
