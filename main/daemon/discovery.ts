import { readTextIfExists } from "../store/files";
import type { DataPaths } from "../store/paths";

export interface DaemonInfo {
  pid: number;
  port: number;
  url: string;
}

/** The daemon serving this data dir, if one is alive (a stale file from a crash is ignored). */
export async function findRunningDaemon(paths: DataPaths): Promise<DaemonInfo | undefined> {
  const text = await readTextIfExists(paths.daemonInfo);
  if (!text) return undefined;
  try {
    const info = JSON.parse(text) as DaemonInfo;
    process.kill(info.pid, 0);
    return info.pid === process.pid ? undefined : info;
  } catch {
    return undefined;
  }
}
