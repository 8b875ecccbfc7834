import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Settings } from "../../shared/settings";
import { dataPaths } from "../store/paths";

/**
 * What a backup holds, by part. Logs, caches, journals, pid files, the live database files and
 * precompiled assets are left out: they are rebuilt, or (the database) dumped consistently instead.
 */
export type PartName = "podhost-state" | "configuration" | "uploads" | "custom";

export interface BackupPart {
  part: PartName;
  /** Absolute paths as they are on this computer. */
  paths: string[];
}

/** The backup's own description, saved in the snapshot next to the database dump. */
export interface BackupManifest {
  version: 1;
  createdAt: string;
  dataDir: string;
  profile: Settings["pod"]["profile"];
  podDir?: string;
  database?: { kind: "managed" | "external"; name: string; user: string; file: string };
  customDump?: string;
  parts: BackupPart[];
}

export function backupPaths(dataDir: string) {
  const root = join(dataDir, "backup");
  return {
    root,
    state: join(root, "state.json"),
    /** The manifest and the database dump are written here and backed up; the last dump is kept for the next backup. */
    staging: join(root, "staging"),
    restoreStaging: join(root, "restore-staging"),
    replaced: join(root, "replaced"),
    cache: join(dataDir, "cache", "restic"),
    /** Present while a backup job's restic runs, and after one that did not finish cleanly. */
    resticJournal: join(root, "restic-running"),
  };
}

/** podhost's own state: settings, secrets, the identity lock, the local CA, the ACME account key and current certificates. */
export function podhostStatePaths(dataDir: string): string[] {
  const paths = dataPaths(dataDir);
  return [paths.settings, paths.secrets, join(dataDir, "pod", "identity.json"), join(dataDir, "certs")];
}

/** diaspora*'s own files that cannot be recreated: its config (with the secret key base) and the users' uploads. */
export function diasporaPaths(podDir: string): { configuration: string[]; uploads: string[] } {
  const config = join(podDir, "config");
  return {
    configuration: [join(config, "diaspora.toml"), join(config, "database.yml"), join(config, "initializers", "secret_token.rb")],
    uploads: [join(podDir, "public", "uploads")],
  };
}

/** The folders and files of a backup with the current settings (the database dump comes apart); paths that do not exist (yet) are left out. */
export function planParts(settings: Settings, dataDir: string): BackupPart[] {
  const present = (paths: string[]) => paths.filter((p) => existsSync(p));
  const parts: BackupPart[] = [{ part: "podhost-state", paths: present(podhostStatePaths(dataDir)) }];
  if (settings.pod.profile === "diaspora" && settings.pod.dir !== "") {
    const diaspora = diasporaPaths(settings.pod.dir);
    parts.push({ part: "configuration", paths: present(diaspora.configuration) }, { part: "uploads", paths: present(diaspora.uploads) });
  }
  if (settings.pod.profile === "custom" && settings.backup.paths.length > 0) parts.push({ part: "custom", paths: present(settings.backup.paths) });
  return parts.filter((p) => p.paths.length > 0);
}

/** A snapshot's `part:` tags in words, for the snapshot list. */
export const partLabels: Record<string, string> = {
  database: "database",
  "custom-dump": "database dump",
  uploads: "uploads",
  configuration: "pod configuration",
  custom: "pod folders",
  "podhost-state": "podhost's settings, keys and certificates",
};
