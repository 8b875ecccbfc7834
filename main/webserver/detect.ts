import type { DetectedServer, PortHolder, WebServerDetection } from "../../shared/webserver";
import { webServerNames } from "../../shared/webserver";
import { findPortHolder, type PortHolder as ProcessHolder } from "../system/port-holder";
import { fetchAnswer } from "./fetch";

/** Process names (/proc/<pid>/comm, at most 15 characters) of each server. */
const serverByCommand: Record<string, DetectedServer> = {
  nginx: "nginx",
  apache2: "apache",
  httpd: "apache",
  caddy: "caddy",
  lighttpd: "lighttpd",
};

/** The Server header each one sends (even with version tokens turned off). */
const serverByBanner: [RegExp, DetectedServer][] = [
  [/^nginx/i, "nginx"],
  [/^apache/i, "apache"],
  [/^caddy/i, "caddy"],
  [/^lighttpd/i, "lighttpd"],
];

export function serverForCommand(command: string | undefined): DetectedServer {
  return (command && serverByCommand[command]) || "unknown";
}

/**
 * Who answers on `port` when /proc does not tell (a server run by root, seen by a normal user):
 * ask it over loopback and read its Server header. Undefined when nothing listens.
 */
async function askServer(port: number, secure: boolean): Promise<DetectedServer | undefined> {
  try {
    // Only a header is read from a local server, so its certificate does not matter here.
    const answer = await fetchAnswer(new URL(`${secure ? "https" : "http"}://localhost:${port}/`), { connectTo: "127.0.0.1", insecure: true, timeoutMs: 3_000 });
    const banner = String(answer.headers.server ?? "");
    return serverByBanner.find(([pattern]) => pattern.test(banner))?.[1] ?? "unknown";
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ECONNREFUSED" ? undefined : "unknown";
  }
}

/**
 * What holds the web ports on this PC; `ports` is [80, 443] except in tests, which may also
 * stand in for an unreadable /proc with `findHolder`.
 */
export async function detectWebServer(
  ports: readonly [http: number, https: number] = [80, 443],
  findHolder: (port: number) => Promise<ProcessHolder | undefined> = findPortHolder,
): Promise<WebServerDetection> {
  const holders: PortHolder[] = [];
  for (const [index, port] of ports.entries()) {
    const holder = await findHolder(port);
    if (holder) {
      holders.push({ port, pid: holder.pid, command: holder.program, server: serverForCommand(holder.program) });
      continue;
    }
    const server = await askServer(port, index === 1);
    if (server) holders.push({ port, server });
  }
  const [http, https] = ports;
  // The HTTPS side first; but one that would not say who it is (Caddy refuses an unknown TLS name) yields to the HTTP side.
  const byPort = [holders.find((h) => h.port === https), holders.find((h) => h.port === http)].filter((h) => h !== undefined);
  const main = byPort.find((h) => h.server !== "unknown") ?? byPort[0];
  if (!main) return { holders, message: `Nothing listens on ports ${http} and ${https}: podhost can use them itself.` };
  const owner = [main.command, main.pid === undefined ? undefined : `pid ${main.pid}`].filter(Boolean).join(", ");
  const who = main.server === "unknown" ? `a program podhost does not know${owner ? ` (${owner})` : ""}` : `${webServerNames[main.server]}${main.pid ? ` (pid ${main.pid})` : ""}`;
  const usedPorts = [...new Set(holders.map((h) => h.port))];
  const next =
    main.server === "unknown"
      ? "Forward the pod's name to podhost by hand (the nginx snippet shows what is needed), or give podhost a separate port."
      : `podhost can generate the ${webServerNames[main.server]} configuration that forwards the pod's name to it.`;
  return { holders, server: main.server, message: `${usedPorts.length > 1 ? "Ports" : "Port"} ${usedPorts.join(" and ")} ${usedPorts.length > 1 ? "are" : "is"} used by ${who}. ${next}` };
}
