import { readFile, readdir, readlink } from "node:fs/promises";
import { createServer } from "node:net";
import { basename } from "node:path";

/** The program listening on a TCP port, as /proc tells it. */
export interface PortHolder {
  pid: number;
  /** Short program name, e.g. "nginx" (from /proc/<pid>/comm). */
  program: string;
  /** Its command line, for the curious (may be empty when unreadable). */
  commandLine: string;
  /** This podhost or one of its own processes (a proxy worker): never "another program". */
  podhost: boolean;
  /** Its parent's pid: tells a server's first process from the workers that share its socket. */
  ppid: number;
}

/** Whether a TCP listener can bind `port` on `host` right now. */
export function isPortFree(port: number, host = "127.0.0.1"): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once("error", () => resolve(false));
    probe.listen({ port, host, exclusive: true }, () => probe.close(() => resolve(true)));
  });
}

/** The first port after `port` (within 100) that is free on `host`, else undefined. */
export async function nextFreePort(port: number, host = "127.0.0.1"): Promise<number | undefined> {
  for (let candidate = port + 1; candidate <= Math.min(65535, port + 100); candidate++) {
    if (await isPortFree(candidate, host)) return candidate;
  }
  return undefined;
}

/**
 * Who listens on TCP `port` (any address, IPv4 or IPv6). Linux only: reads /proc/net/tcp{,6}
 * for the socket inode, then finds the process holding that inode in /proc/<pid>/fd. Undefined
 * when not on Linux, when nobody listens, or when the holder belongs to a user we cannot inspect.
 */
export async function findPortHolder(port: number): Promise<PortHolder | undefined> {
  if (process.platform !== "linux") return undefined;
  const inodes = new Set<string>();
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    for (const inode of listeningInodes(await readIfExists(table), port)) inodes.add(inode);
  }
  if (inodes.size === 0) return undefined;
  const holders: number[] = [];
  for (const pid of await listPids()) {
    let fds: string[];
    try {
      fds = await readdir(`/proc/${pid}/fd`);
    } catch {
      continue; // gone, or another user's process
    }
    for (const fd of fds) {
      const target = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => "");
      const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
      if (inode && inodes.has(inode)) {
        holders.push(pid);
        break;
      }
    }
  }
  if (holders.length === 0) return undefined;
  // A server's workers share its listening socket (apache, nginx): name the one that started them,
  // whose parent does not hold the socket too. Pid order can't tell: pids wrap around.
  return serverProcess(await Promise.all(holders.map(describeProcess)));
}

/** Of the processes sharing a listening socket, the one whose parent does not share it. */
export function serverProcess(holders: PortHolder[]): PortHolder | undefined {
  return holders.find((holder) => !holders.some((other) => other.pid === holder.ppid)) ?? holders[0];
}

/** "nginx (pid 812)" or "another program" when unknown: the wording every port error uses. */
export function describeHolder(holder: PortHolder | undefined): string {
  if (holder?.podhost) return `podhost itself (pid ${holder.pid}), for another of its own uses`;
  return holder ? `${holder.program} (pid ${holder.pid})` : "another program";
}

function listeningInodes(table: string, port: number): string[] {
  const hexPort = port.toString(16).toUpperCase().padStart(4, "0");
  const inodes: string[] = [];
  for (const line of table.split("\n").slice(1)) {
    // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
    const fields = line.trim().split(/\s+/);
    if (fields.length < 10) continue;
    const localPort = fields[1]!.split(":")[1];
    if (localPort === hexPort && fields[3] === "0A" /* LISTEN */) inodes.push(fields[9]!);
  }
  return inodes;
}

async function listPids(): Promise<number[]> {
  const entries = await readdir("/proc");
  return entries.filter((name) => /^\d+$/.test(name)).map(Number);
}

async function describeProcess(pid: number): Promise<PortHolder> {
  const comm = (await readIfExists(`/proc/${pid}/comm`)).trim();
  const cmdline = (await readIfExists(`/proc/${pid}/cmdline`)).split("\0").filter(Boolean);
  // /proc/<pid>/stat: "pid (comm) state ppid ..."; comm may hold spaces, so read after the last ")".
  const ppid = Number((await readIfExists(`/proc/${pid}/stat`)).split(")").pop()?.trim().split(" ")[1]);
  // podhost's own: this process, or a proxy worker it forked (node:cluster marks workers with NODE_UNIQUE_ID); the pod is not.
  const podhost = pid === process.pid || (ppid === process.pid && (await readIfExists(`/proc/${pid}/environ`)).split("\0").some((entry) => entry.startsWith("NODE_UNIQUE_ID=")));
  return { pid, program: comm || (cmdline[0] ? basename(cmdline[0]) : "unknown"), commandLine: cmdline.join(" "), podhost, ppid };
}

async function readIfExists(path: string): Promise<string> {
  return readFile(path, "utf8").catch(() => "");
}
