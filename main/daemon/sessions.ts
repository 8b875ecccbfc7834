import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { asObject, readJsonFile, writeFileSafely } from "../store/files";

/** How long a browser session lasts before the link must be opened again. */
export const sessionLifetimeMs = 30 * 24 * 60 * 60 * 1000;
/** Browsers that opened the link and are still remembered; the oldest go first. */
const maxSessions = 64;

interface StoredSession {
  /** sha256 of the id: the file never holds a usable cookie. */
  hash: string;
  expiresAt: number;
}

/**
 * Browser sessions of the control API: the UI trades the install's token (from its link) for a
 * random session id in an HttpOnly cookie, so the token itself never sits in a cookie (cookies
 * are not scoped by port: every local web service the browser visits on 127.0.0.1 would get it).
 * Ids expire, survive a daemon restart (run/sessions.json holds only their hashes, 0600), and are
 * all revoked when the token changes: the file is bound to the token's hash.
 */
export class SessionBook {
  private constructor(
    private readonly path: string,
    private readonly tokenHash: string,
    private sessions: StoredSession[],
    private readonly now: () => number,
  ) {}

  static async open(path: string, token: string, now: () => number = Date.now): Promise<SessionBook> {
    const tokenHash = sha256(token);
    const read = await readJsonFile(path);
    const file = read.state === "ok" ? asObject(read.value) : undefined;
    const sameToken = typeof file?.tokenHash === "string" && file.tokenHash === tokenHash;
    const stored = sameToken && Array.isArray(file.sessions) ? (file.sessions as StoredSession[]).filter((s) => typeof s?.hash === "string" && s.expiresAt > now()) : [];
    return new SessionBook(path, tokenHash, stored, now);
  }

  /** A new session id for a browser that showed the token. */
  async issue(): Promise<{ id: string; maxAgeSeconds: number }> {
    const id = randomBytes(32).toString("base64url");
    const live = this.sessions.filter((s) => s.expiresAt > this.now());
    this.sessions = [...live, { hash: sha256(id), expiresAt: this.now() + sessionLifetimeMs }].slice(-maxSessions);
    await this.save();
    return { id, maxAgeSeconds: Math.floor(sessionLifetimeMs / 1000) };
  }

  /** Sign every browser out: their ids stop working at once (the link still opens a new session). */
  async revokeAll(): Promise<number> {
    const revoked = this.sessions.filter((s) => s.expiresAt > this.now()).length;
    this.sessions = [];
    await this.save();
    return revoked;
  }

  isValid(id: string): boolean {
    const hash = Buffer.from(sha256(id));
    return this.sessions.some((s) => s.expiresAt > this.now() && timingSafeEqual(Buffer.from(s.hash), hash));
  }

  private save(): Promise<void> {
    return writeFileSafely(this.path, `${JSON.stringify({ tokenHash: this.tokenHash, sessions: this.sessions })}\n`, 0o600);
  }
}

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}
