import { randomBytes } from "node:crypto";
import { close, lstatSync, mkdtempSync, open, read, readdirSync, rmSync, unlink, write } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const dirPrefix = "podhost-proxy-";
const dirOfRe = /^podhost-proxy-(\d+)-/;

/**
 * A new 0700 folder for this process's spool files. Folders that this user's podhost processes
 * left when they ended abruptly (their files were unlinked already) are removed first. The
 * temporary folder is shared: a folder of another user (another podhost, or anyone imitating the
 * name) is left alone, and one that can't be removed never stops the proxy from starting.
 */
export function createSpoolDir(): string {
  const uid = process.getuid?.();
  for (const name of readdirSync(tmpdir())) {
    const pid = Number(dirOfRe.exec(name)?.[1]);
    if (!pid || pid === process.pid || isRunning(pid)) continue;
    const path = join(tmpdir(), name);
    try {
      const found = lstatSync(path);
      if (found.isDirectory() && (uid === undefined || found.uid === uid)) rmSync(path, { recursive: true, force: true });
    } catch {
      // Gone meanwhile, or not ours to remove after all: it holds no file of this process.
    }
  }
  return mkdtempSync(join(tmpdir(), `${dirPrefix}${process.pid}-`));
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, as another user.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Largest piece read back from the file at once. */
const readPieceBytes = 64 * 1024;

/**
 * Bytes held for a peer that is not ready for them, so a slow client never holds a connection
 * to the pod: a request body read whole before an upstream connection is taken (nginx's
 * `client_body_buffer_size` + `client_body_temp_path`), or the rest of an answer its client is
 * not reading yet (`proxy_buffers` + `proxy_temp_path`). Kept in memory up to `memoryLimit`,
 * then appended to a temporary file, and taken out in order.
 *
 * The file is created 0600 (in the proxy's own 0700 folder) and unlinked as soon as it is open:
 * it has no name from then on and is gone when its descriptor closes, on `discard` or however
 * the process ends.
 */
export class Spool {
  /** Bytes appended in all. */
  total = 0;
  /** Bytes appended and not taken yet. */
  held = 0;
  private memory: Buffer[] = [];
  private memoryBytes = 0;
  /** Set once the memory limit was passed: from then on everything goes to the file, in order. */
  private spilled = false;
  private fd: number | undefined;
  private opening = false;
  /** Pieces waiting for the file (while it opens, or while an earlier write runs). */
  private unwritten: Buffer[] = [];
  private unwrittenBytes = 0;
  private writing = false;
  private reading = false;
  private written = 0;
  private readAt = 0;
  private discarded = false;
  private error: Error | undefined;
  /** A `read` waiting for its bytes to reach the file. */
  private onReadable: (() => void) | undefined;
  /** A `whenWritten` waiting for every write. */
  private onWritten: (() => void) | undefined;

  constructor(
    private readonly dir: string,
    private readonly memoryLimit: number,
  ) {}

  /** Bytes appended but not on disk yet: the caller stops reading its source while this grows. */
  get backlog(): number {
    return this.unwrittenBytes;
  }

  /** A file write or open failed (a full disk): the spool can't give back what it was given. */
  get failure(): Error | undefined {
    return this.error;
  }

  /** Keep a copy of `chunk` (the caller may reuse its buffer). */
  append(chunk: Buffer): void {
    if (this.discarded || chunk.length === 0) return;
    this.total += chunk.length;
    this.held += chunk.length;
    if (!this.spilled && this.memoryBytes + chunk.length <= this.memoryLimit) {
      this.memory.push(Buffer.from(chunk));
      this.memoryBytes += chunk.length;
      return;
    }
    this.spilled = true;
    this.unwritten.push(Buffer.from(chunk));
    this.unwrittenBytes += chunk.length;
    this.flush();
  }

  /** The next piece when it is in memory (taken at once); undefined when none is. */
  next(): Buffer | undefined {
    const piece = this.memory.shift();
    if (piece) {
      this.memoryBytes -= piece.length;
      this.held -= piece.length;
    }
    return piece;
  }

  /**
   * The next piece from the file, once it is on disk (call when `next` gave nothing and `held`
   * is not 0). `done` gets undefined when the spool was discarded meanwhile.
   */
  read(done: (error: Error | undefined, piece?: Buffer) => void): void {
    if (this.discarded) return done(undefined);
    if (this.error) return done(this.error);
    if (this.readAt >= this.written) {
      this.onReadable = () => this.read(done);
      return;
    }
    const piece = Buffer.allocUnsafe(Math.min(readPieceBytes, this.written - this.readAt));
    this.reading = true;
    read(this.fd!, piece, 0, piece.length, this.readAt, (error, bytes) => {
      this.reading = false;
      if (this.discarded) {
        this.closeFile();
        return done(undefined);
      }
      if (error || bytes === 0) return done(error ?? new Error("the temporary file ended early"));
      this.readAt += bytes;
      this.held -= bytes;
      done(undefined, bytes === piece.length ? piece : piece.subarray(0, bytes));
    });
  }

  /** Run `then` once every piece appended so far is on disk (at once when it is). */
  whenWritten(then: () => void): void {
    if (this.unwrittenBytes === 0 || this.error || this.discarded) return then();
    this.onWritten = then;
  }

  /** Drop what is held and close the file (it has no name: closing removes it). */
  discard(): void {
    if (this.discarded) return;
    this.discarded = true;
    this.memory = [];
    this.unwritten = [];
    this.held = 0;
    this.onReadable = undefined;
    this.onWritten = undefined;
    this.closeFile();
  }

  /** Close the file once no read or write uses its descriptor (a closed number can be reused at once). */
  private closeFile(): void {
    if (this.fd === undefined || this.writing || this.reading) return;
    close(this.fd, noop);
    this.fd = undefined;
  }

  private flush(): void {
    if (this.writing || this.error || this.discarded || this.unwritten.length === 0) return;
    if (this.fd === undefined) return this.openFile();
    const pieces = this.unwritten;
    const piece = pieces.length === 1 ? pieces[0]! : Buffer.concat(pieces);
    this.unwritten = [];
    this.writing = true;
    write(this.fd, piece, 0, piece.length, this.written, (error, bytes) => {
      this.writing = false;
      if (this.discarded) return this.closeFile();
      if (error) return this.fail(error);
      this.written += bytes;
      this.unwrittenBytes -= bytes;
      // A short write: the rest goes first next time.
      if (bytes < piece.length) this.unwritten.unshift(piece.subarray(bytes));
      this.flush();
      this.wake();
    });
  }

  private openFile(): void {
    if (this.opening) return;
    this.opening = true;
    const path = join(this.dir, `body-${randomBytes(8).toString("hex")}`);
    // "wx+": created here, never an existing file (or a link planted in its place).
    open(path, "wx+", 0o600, (error, fd) => {
      this.opening = false;
      if (error) return this.fail(error);
      unlink(path, noop);
      if (this.discarded) return void close(fd, noop);
      this.fd = fd;
      this.flush();
    });
  }

  private fail(error: Error): void {
    this.error = error;
    this.wake();
  }

  private wake(): void {
    const reader = this.onReadable;
    if (reader && (this.error || this.written > this.readAt)) {
      this.onReadable = undefined;
      reader();
    }
    const writer = this.onWritten;
    if (writer && (this.error || this.unwrittenBytes === 0)) {
      this.onWritten = undefined;
      writer();
    }
  }
}

function noop(): void {}
