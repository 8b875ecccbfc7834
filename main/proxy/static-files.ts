import { createReadStream, type Stats as FileStats } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import { STATUS_CODES } from "node:http";
import { extname, join, sep } from "node:path";
import { httpDate, type ClientConnection, type ReusableAnswer } from "./connection";
import { headerValue, type RequestHead } from "./http1";
import { decodeSegment } from "./routing";

const contentTypes: Record<string, string> = {
  ".html": "text/html; charset=utf-8", ".htm": "text/html; charset=utf-8", ".css": "text/css; charset=utf-8",
  ".js": "text/javascript; charset=utf-8", ".mjs": "text/javascript; charset=utf-8", ".json": "application/json",
  ".map": "application/json", ".txt": "text/plain; charset=utf-8", ".xml": "application/xml", ".svg": "image/svg+xml",
  ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif", ".webp": "image/webp",
  ".avif": "image/avif", ".ico": "image/x-icon", ".woff": "font/woff", ".woff2": "font/woff2", ".ttf": "font/ttf",
  ".otf": "font/otf", ".eot": "application/vnd.ms-fontobject", ".pdf": "application/pdf", ".wasm": "application/wasm",
  ".mp3": "audio/mpeg", ".ogg": "audio/ogg", ".mp4": "video/mp4", ".webm": "video/webm",
};

/** Files up to this size are kept in memory (assets are small and asked for all the time). */
const memoryFileBytes = 256 * 1024;
const memoryTotalBytes = 32 * 1024 * 1024;
/** How long a stat answer is trusted: a rebuilt asset shows within a second. */
const statTtlMs = 1000;
const maxCachedPaths = 10_000;

interface FilePaths {
  file: string;
  /** Its precompressed twin. */
  gzip: string;
}

/** A file as last seen on disk, with the header values derived from it computed once. */
interface FileInfo {
  path: string;
  size: number;
  mtimeMs: number;
  lastModified: string;
  /** The validator without the "-gz" mark a compressed twin adds. */
  tag: string;
  /** The whole file, when it is small enough to keep. */
  body?: Buffer;
  /** Its whole 200 answers, by whether the path is under /assets/ and whether it has a .gz twin (their headers differ). */
  answers?: ReusableAnswer[];
}

interface CacheEntry {
  expires: number;
  info: FileInfo | undefined;
}

/**
 * The static half of `try_files $uri @app`: a file under the root answers GET/HEAD itself with
 * ETag/Last-Modified (304), a single byte Range, a precompressed `.gz` twin for gzip clients, and
 * a year-long immutable cache for /assets/. Anything else goes to the app.
 *
 * Stat answers are cached for a second and small files kept in memory, so a hot asset is served
 * without touching the disk or waiting for a promise.
 */
export class StaticFiles {
  private readonly cache = new Map<string, CacheEntry>();
  private memoryBytes = 0;
  /** Root -> request target -> file paths (undefined: never a file). */
  private readonly files = new Map<string, Map<string, FilePaths | undefined>>();
  /** Looks at the disk in progress, so many requests for one path cause one stat. */
  private readonly looking = new Map<string, Promise<FileInfo | undefined>>();

  /** true when it answered; false means "not a file here: ask the app". A promise when the disk must be asked first. */
  serve(connection: ClientConnection, request: RequestHead, root: string, target: string): boolean | Promise<boolean> {
    if (request.method !== "GET" && request.method !== "HEAD") return false;
    const paths = this.pathsFor(root, target);
    if (!paths) return false;
    const now = Date.now();
    const plain = this.cache.get(paths.file);
    const gzip = this.cache.get(paths.gzip);
    if (!plain || !gzip) {
      return Promise.all([this.refresh(paths.file, now), this.refresh(paths.gzip, now)]).then(([fresh, freshGz]) => this.answer(connection, request, target, fresh, freshGz));
    }
    // Answered from what was last seen; a look that is due happens meanwhile, once for everyone asking.
    if (plain.expires <= now) void this.refresh(paths.file, now).catch(() => undefined);
    if (gzip.expires <= now) void this.refresh(paths.gzip, now).catch(() => undefined);
    return this.answer(connection, request, target, plain.info, gzip.info);
  }

  private answer(connection: ClientConnection, request: RequestHead, target: string, plain: FileInfo | undefined, gzipTwin: FileInfo | undefined): boolean {
    if (!plain) return false;
    if (connection.destroyed) return true;
    const gzip = gzipTwin && /\bgzip\b/.test(headerValue(request, "accept-encoding") ?? "") ? gzipTwin : undefined;
    const chosen = gzip ?? plain;
    const etag = gzip ? `"${chosen.tag}-gz"` : `"${chosen.tag}"`;
    const immutable = target.startsWith("/assets/");
    const headerLines = () => {
      let lines = `Content-Type: ${contentTypes[extname(plain.path).toLowerCase()] ?? "application/octet-stream"}\r\nETag: ${etag}\r\nLast-Modified: ${chosen.lastModified}\r\nAccept-Ranges: bytes\r\n`;
      if (gzip) lines += "Content-Encoding: gzip\r\n";
      if (gzipTwin) lines += "Vary: Accept-Encoding\r\n";
      if (immutable) lines += "Cache-Control: public, max-age=31536000, immutable\r\n";
      return lines;
    };
    const conditional = request.lower.includes("if-none-match") || request.lower.includes("if-modified-since") || request.lower.includes("range");
    if (!conditional && chosen.body && request.method === "GET") {
      // The common case, a hot asset asked for whole: one prebuilt buffer, one write.
      const slot = ((chosen.answers ??= [])[(immutable ? 2 : 0) + (gzipTwin ? 1 : 0)] ??= {});
      connection.respondReusable(slot, () => `HTTP/1.1 200 OK\r\n${headerLines()}Content-Length: ${chosen.size}\r\n`, chosen.body);
      return true;
    }
    let headers = headerLines();
    if (notModified(request, etag, chosen.mtimeMs)) {
      connection.respond(304, headers);
      return true;
    }
    const range = parseRange(request, chosen.size, etag);
    if (range === "unsatisfiable") {
      connection.respond(416, `Content-Range: bytes */${chosen.size}\r\n`);
      return true;
    }
    const [start, end] = range ?? [0, chosen.size - 1];
    if (range) headers += `Content-Range: bytes ${start}-${end}/${chosen.size}\r\n`;
    const status = range ? 206 : 200;
    const length = end - start + 1;
    const head = `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n${headers}Date: ${httpDate()}\r\nContent-Length: ${length}\r\n`;
    if (chosen.body || request.method === "HEAD" || length === 0) {
      connection.writeHead(head, "length");
      if (chosen.body && request.method !== "HEAD") connection.send(range ? chosen.body.subarray(start, end + 1) : chosen.body);
      connection.endAnswer();
    } else streamFile(connection, chosen.path, start, end, head);
    return true;
  }

  /** The file for a request target and its .gz twin, remembered per root: the same asset paths are asked for all the time. */
  private pathsFor(root: string, target: string): FilePaths | undefined {
    let known = this.files.get(root);
    if (!known) this.files.set(root, (known = new Map()));
    let paths = known.get(target);
    if (paths === undefined && !known.has(target)) {
      const file = this.resolve(root, target);
      paths = file === undefined ? undefined : { file, gzip: `${file}.gz` };
      if (known.size >= maxCachedPaths) known.clear();
      known.set(target, paths);
    }
    return paths;
  }

  /** The file path for a request target, or undefined when it can't be a file under root. */
  private resolve(root: string, target: string): string | undefined {
    const queryAt = target.indexOf("?");
    const path = queryAt < 0 ? target : target.slice(0, queryAt);
    if (path.endsWith("/")) return undefined;
    const parts: string[] = [];
    for (const segment of path.split("/").slice(1)) {
      const part = decodeSegment(segment);
      // Encoded slashes, dot files and dot segments never name a static file.
      if (part === "" || part.startsWith(".") || /[/\\\0]/.test(part)) return undefined;
      parts.push(part);
    }
    const file = join(root, ...parts);
    return file.startsWith(root.endsWith(sep) ? root : root + sep) ? file : undefined;
  }

  /** Stat `path` again (and read it when small and changed); the answer is trusted for `statTtlMs`. */
  private refresh(path: string, now: number): Promise<FileInfo | undefined> {
    const cached = this.cache.get(path);
    if (cached && cached.expires > now) return Promise.resolve(cached.info);
    let look = this.looking.get(path);
    if (!look) {
      look = this.look(path, now, cached?.info).finally(() => this.looking.delete(path));
      this.looking.set(path, look);
    }
    return look;
  }

  private async look(path: string, now: number, old: FileInfo | undefined): Promise<FileInfo | undefined> {
    let found: FileStats | undefined;
    try {
      found = await stat(path);
    } catch {
      found = undefined;
    }
    let info: FileInfo | undefined;
    if (found?.isFile()) {
      const unchanged = old && old.size === found.size && old.mtimeMs === found.mtimeMs;
      info = unchanged ? old : { path, size: found.size, mtimeMs: found.mtimeMs, lastModified: new Date(found.mtimeMs).toUTCString(), tag: `${Math.floor(found.mtimeMs / 1000).toString(16)}-${found.size.toString(16)}` };
      if (!info.body && info.size > 0 && info.size <= memoryFileBytes && this.memoryBytes + info.size <= memoryTotalBytes) {
        const body = await readFile(path).catch(() => undefined);
        // A file rewritten between stat and read is streamed until the next look settles it.
        if (body?.length === info.size && !info.body) {
          info.body = body;
          this.memoryBytes += body.length;
        }
      }
    }
    if (old?.body && old !== info) this.memoryBytes -= old.body.length;
    if (this.cache.size >= maxCachedPaths) this.clear();
    this.cache.set(path, { expires: now + statTtlMs, info });
    return info;
  }

  clear(): void {
    this.cache.clear();
    this.files.clear();
    this.memoryBytes = 0;
  }
}

/** A file too large to keep in memory, from disk with backpressure; a read error cuts the connection. */
function streamFile(connection: ClientConnection, path: string, start: number, end: number, head: string): void {
  connection.writeHead(head, "length");
  const file = createReadStream(path, { start, end, highWaterMark: 64 * 1024 });
  file.on("data", (chunk) => {
    if (!connection.send(chunk as Buffer)) {
      file.pause();
      connection.onDrain(() => file.resume());
    }
  });
  file.on("end", () => connection.endAnswer());
  file.on("error", () => connection.destroy());
  connection.socket.once("close", () => file.destroy());
}

function notModified(request: RequestHead, etag: string, mtimeMs: number): boolean {
  const ifNoneMatch = headerValue(request, "if-none-match");
  if (ifNoneMatch !== undefined) return ifNoneMatch === "*" || ifNoneMatch.split(",").some((tag) => tag.trim().replace(/^W\//, "") === etag);
  const since = headerValue(request, "if-modified-since");
  return since !== undefined && Math.floor(mtimeMs / 1000) <= Date.parse(since) / 1000;
}

/** One `bytes=a-b` range; several ranges or a stale If-Range are answered with the whole file. */
function parseRange(request: RequestHead, size: number, etag: string): [number, number] | "unsatisfiable" | undefined {
  const header = headerValue(request, "range");
  const ifRange = headerValue(request, "if-range");
  if (!header || (ifRange !== undefined && ifRange !== etag)) return undefined;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match || (match[1] === "" && match[2] === "")) return undefined;
  let start: number;
  let end: number;
  if (match[1] === "") {
    start = Math.max(0, size - Number(match[2]));
    end = size - 1;
  } else {
    start = Number(match[1]);
    end = match[2] === "" ? size - 1 : Math.min(Number(match[2]), size - 1);
  }
  if (start >= size || start > end) return "unsatisfiable";
  return [start, end];
}
