import { readFileSync } from "node:fs";

/** What decides whether this process may bind a port below 1024 on Linux. */
export interface BindFacts {
  uid: number;
  /** The effective capability set (CapEff in /proc/self/status). */
  capabilities: bigint;
  /** net.ipv4.ip_unprivileged_port_start: ports from here on need no privilege. */
  unprivilegedPortStart: number;
}

const capNetBindService = 10n;

export function readBindFacts(): BindFacts {
  const status = readOr("/proc/self/status", "");
  const capEff = /^CapEff:\s*([0-9a-f]+)$/m.exec(status)?.[1];
  return {
    uid: process.getuid?.() ?? -1,
    capabilities: capEff ? BigInt(`0x${capEff}`) : 0n,
    unprivilegedPortStart: Number(readOr("/proc/sys/net/ipv4/ip_unprivileged_port_start", "1024").trim()) || 1024,
  };
}

function readOr(path: string, fallback: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return fallback;
  }
}

export function mayBind(port: number, facts: BindFacts): boolean {
  if (process.platform !== "linux" && process.platform !== "android") return port >= 1024 || facts.uid === 0;
  return port >= facts.unprivilegedPortStart || facts.uid === 0 || ((facts.capabilities >> capNetBindService) & 1n) === 1n;
}

/** Why a low port can't be bound, and the three ways to allow it, in plain words. */
export function privilegedPortHelp(ports: number[], executable = process.execPath): string {
  const list = ports.join(" and ");
  const lowest = Math.min(...ports);
  return (
    `Ports below 1024 (here ${list}) need permission on Linux, and podhost does not have it. Three ways to allow it: ` +
    `1) give the program the one permission it needs: sudo setcap cap_net_bind_service=+ep ${executable}; ` +
    `2) let every program use ports from ${lowest} up: sudo sysctl net.ipv4.ip_unprivileged_port_start=${lowest} ` +
    `(add that line to /etc/sysctl.d/50-podhost.conf to keep it after a restart); ` +
    `3) run podhost as root, e.g. as a system service (least safe). ` +
    `Or keep the default ports 8443 and 8080 and let the router forward 443 and 80 to them (Settings > Router ports).`
  );
}
