import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** The pod's permanent public URL, recorded after the first successful start of a diaspora* pod. */
export interface PodIdentity {
  url: string;
  firstStartedAt: number;
}

function identityPath(dataDir: string): string {
  return join(dataDir, "pod", "identity.json");
}

export function readIdentity(dataDir: string): PodIdentity | undefined {
  try {
    const parsed = JSON.parse(readFileSync(identityPath(dataDir), "utf8")) as Partial<PodIdentity>;
    return typeof parsed.url === "string" ? { url: parsed.url, firstStartedAt: Number(parsed.firstStartedAt ?? 0) } : undefined;
  } catch {
    return undefined;
  }
}

export function recordIdentity(dataDir: string, identity: PodIdentity): void {
  mkdirSync(join(dataDir, "pod"), { recursive: true, mode: 0o700 });
  writeFileSync(identityPath(dataDir), JSON.stringify(identity, null, 2), { mode: 0o600 });
}

export function forgetIdentity(dataDir: string): void {
  rmSync(identityPath(dataDir), { force: true });
}

export function lockReason(url: string): string {
  return `The pod's address ${url} is written into its database and into every user's ID, and other pods remember it, so it can never change after the first start. To use another address you must start a new pod: Settings > Pod > Reset pod identity.`;
}

/**
 * Settings that may no longer change (dotted key -> the reason, for validation and the UI):
 * once a diaspora* pod started with a URL, `domain` and `ports.externalHttpsPort` (which make up
 * that URL, see podUrl) are locked until the identity is reset. Empty when nothing is locked.
 */
export function lockedSettings(dataDir: string): Record<string, string> {
  const identity = readIdentity(dataDir);
  if (!identity) return {};
  const reason = lockReason(identity.url);
  return { domain: reason, "ports.externalHttpsPort": reason };
}
