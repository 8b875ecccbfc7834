import { rm } from "node:fs/promises";
import { join } from "node:path";
import type { Notice } from "../../shared/notices";
import { asObject, keepBackup, readJsonFileSync, writeFileSafelySync } from "../store/files";
import type { SettingsLock } from "../store/settings-manager";

/** The pod's permanent public URL, recorded after the first successful start of a diaspora* pod. */
export interface PodIdentity {
  url: string;
  firstStartedAt: number;
}

/** What `pod/identity.json` says: nothing yet, the recorded identity, or a file that cannot be trusted. */
export type IdentityRecord = { state: "none" } | { state: "recorded"; identity: PodIdentity } | { state: "damaged"; path: string; reason: string };

export function identityPath(dataDir: string): string {
  return join(dataDir, "pod", "identity.json");
}

export function readIdentity(dataDir: string): IdentityRecord {
  const path = identityPath(dataDir);
  const read = readJsonFileSync(path);
  if (read.state === "missing") return { state: "none" };
  if (read.state === "damaged") return { state: "damaged", path, reason: read.reason };
  const fields = asObject(read.value);
  if (typeof fields?.url !== "string" || !/^https:\/\/[^/]+\/$/.test(fields.url)) return { state: "damaged", path, reason: 'it has no "url" like "https://pod.example.org/"' };
  return { state: "recorded", identity: { url: fields.url, firstStartedAt: Number(fields.firstStartedAt ?? 0) } };
}

/** The recorded URL; undefined when none is recorded or the file is damaged (callers that lock must use readIdentity). */
export function recordedUrl(dataDir: string): string | undefined {
  const record = readIdentity(dataDir);
  return record.state === "recorded" ? record.identity.url : undefined;
}

/** Atomic and fsync'd: a crash while recording leaves no file or a whole one, never one that lifts the lock. */
export function recordIdentity(dataDir: string, identity: PodIdentity): void {
  writeFileSafelySync(identityPath(dataDir), `${JSON.stringify(identity, null, 2)}\n`, 0o600);
}

/** The explicit "Reset pod identity": the file goes to backups/ (dated), never just away. */
export async function forgetIdentity(dataDir: string, now = new Date()): Promise<void> {
  await keepBackup(identityPath(dataDir), now);
  await rm(identityPath(dataDir), { force: true });
}

export function lockReason(url: string): string {
  return `The pod's address ${url} is written into its database and into every user's ID, and other pods remember it, so it can never change after the first start. To use another address you must start a new pod: Settings > Pod > Reset pod identity.`;
}

export function damagedReason(record: { path: string; reason: string }): string {
  return `The pod's identity file ${record.path} is damaged (${record.reason}), so podhost cannot tell which address the pod was first started with; the address stays locked. Repair the file (it holds {"url": "https://your.domain/", "firstStartedAt": 0}) or, if this is a new pod, reset the identity: Settings > Pod > Reset pod identity (\`podhost\` keeps the damaged file in backups/).`;
}

/**
 * Settings that may no longer change (dotted key -> the reason, for validation and the UI):
 * once a diaspora* pod started with a URL, `domain` and `ports.externalHttpsPort` (which make up
 * that URL, see podUrl) are locked until the identity is reset. A damaged identity file locks
 * them too: it never lifts the lock. Empty when nothing is locked.
 */
export function lockedSettings(dataDir: string): Record<string, string> {
  const record = readIdentity(dataDir);
  if (record.state === "none") return {};
  const reason = record.state === "damaged" ? damagedReason(record) : lockReason(record.identity.url);
  return { domain: reason, "ports.externalHttpsPort": reason };
}

/**
 * The identity lock as the settings see it, for the daemon and the CLI's offline path alike, so
 * a `config set` with no daemon running is held to exactly the same lock.
 */
export function identityLock(dataDir: string): SettingsLock {
  return {
    locked: () => lockedSettings(dataDir),
    notices: (): Notice[] => {
      const record = readIdentity(dataDir);
      return record.state === "damaged" ? [{ id: "identity-damaged", text: damagedReason(record) }] : [];
    },
  };
}
