import { closeSync, fstatSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { dirname } from "node:path";

export interface LogLimits {
  /** Size at which the current file is rotated. */
  maxBytes: number;
  /** Files kept in all, the current one included: `name.log`, `name.log.1` ... */
  maxFiles: number;
}

export const defaultLogLimits: LogLimits = { maxBytes: 10 * 1024 * 1024, maxFiles: 5 };

/** An append-only log file that rotates at `maxBytes`, keeping at most `maxFiles` files on disk. */
export class RotatingFile {
  private fd: number;
  private size: number;

  constructor(readonly path: string, private readonly limits: LogLimits = defaultLogLimits) {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    this.fd = openSync(path, "a", 0o600);
    this.size = fstatSync(this.fd).size;
  }

  write(text: string): void {
    const bytes = Buffer.from(text);
    if (this.size > 0 && this.size + bytes.length > this.limits.maxBytes) this.rotate();
    writeSync(this.fd, bytes);
    this.size += bytes.length;
  }

  close(): void {
    closeSync(this.fd);
  }

  private rotate(): void {
    closeSync(this.fd);
    rmSync(`${this.path}.${this.limits.maxFiles - 1}`, { force: true });
    for (let n = this.limits.maxFiles - 2; n >= 1; n--) renameIfExists(`${this.path}.${n}`, `${this.path}.${n + 1}`);
    if (this.limits.maxFiles > 1) renameSync(this.path, `${this.path}.1`);
    else rmSync(this.path, { force: true });
    this.fd = openSync(this.path, "a", 0o600);
    this.size = 0;
  }
}

function renameIfExists(from: string, to: string): void {
  try {
    renameSync(from, to);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
}
