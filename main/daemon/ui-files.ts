import { readdir, readFile } from "node:fs/promises";
import { createHash } from "node:crypto";
import { extname, join, relative, sep } from "node:path";

export interface UiFile {
  body: Buffer;
  type: string;
  etag: string;
}

const types: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".json": "application/json",
  ".woff2": "font/woff2",
};

/**
 * The built UI, read once into memory: a few hundred KiB, served without touching the disk
 * again, and no request path can reach a file that is not part of the build.
 */
export async function loadUiFiles(dir: string): Promise<Map<string, UiFile>> {
  const files = new Map<string, UiFile>();
  const walk = async (current: string): Promise<void> => {
    for (const entry of await readdir(current, { withFileTypes: true })) {
      const path = join(current, entry.name);
      if (entry.isDirectory()) await walk(path);
      else {
        const body = await readFile(path);
        const urlPath = `/${relative(dir, path).split(sep).join("/")}`;
        files.set(urlPath, { body, type: types[extname(path)] ?? "application/octet-stream", etag: `"${createHash("sha256").update(body).digest("base64url").slice(0, 16)}"` });
      }
    }
  };
  try {
    await walk(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  return files;
}
