import { homedir } from "node:os";
import { join } from "node:path";

/** Where podhost keeps its settings, secrets, logs and state, following each OS's convention. */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (env.PODHOST_DATA_DIR) return env.PODHOST_DATA_DIR;
  if (platform === "win32") return join(env.APPDATA ?? join(homedir(), "AppData", "Roaming"), "podhost");
  if (platform === "darwin") return join(homedir(), "Library", "Application Support", "podhost");
  return join(env.XDG_DATA_HOME || join(homedir(), ".local", "share"), "podhost");
}

/** The files inside a data dir, named in one place. */
export function dataPaths(dataDir: string) {
  const run = join(dataDir, "run");
  return {
    dataDir,
    settings: join(dataDir, "settings.json"),
    secrets: join(dataDir, "secrets.json"),
    /** Notices that stay until fixed or dismissed (a settings field that fell back to its default...). */
    notices: join(dataDir, "notices.json"),
    /** Dated copies of every settings, secrets and identity file podhost replaced (the newest 5 of each). */
    backups: join(dataDir, "backups"),
    logs: join(dataDir, "logs"),
    /** 0700: holds the CLI socket and the daemon's pid/port file. */
    run,
    socket: process.platform === "win32" ? `\\\\.\\pipe\\podhost-${Buffer.from(dataDir).toString("hex").slice(-32)}` : join(run, "control.sock"),
    daemonInfo: join(run, "daemon.json"),
    /** Hashes of the browser sessions' ids (never the ids), bound to the token. */
    sessions: join(run, "sessions.json"),
    token: join(dataDir, "control-token"),
  };
}
export type DataPaths = ReturnType<typeof dataPaths>;
