import { randomBytes } from "node:crypto";
import { readTextIfExists, writeFileSafely } from "../store/files";

/** The per-install access key of the control API: made once, kept 0600 in the data dir. */
export async function loadOrCreateToken(path: string): Promise<string> {
  const existing = (await readTextIfExists(path))?.trim();
  if (existing && existing.length >= 32) return existing;
  const token = randomBytes(32).toString("base64url");
  await writeFileSafely(path, `${token}\n`, 0o600);
  return token;
}
