import { chmod, rm } from "node:fs/promises";
import { join } from "node:path";
import { RotatingFile } from "../system/rotating-file";
import type { Server } from "node:http";
import { UserError } from "../../shared/errors";
import { Host } from "../host";
import { formatLogLine, LogBus } from "../log";
import { dataPaths, type DataPaths } from "../store/paths";
import { ensureWritableDir, writeFileSafely } from "../store/files";
import { createHandlers } from "./handlers";
import { createControlServer } from "./server";
import { loadOrCreateToken } from "./token";
import { SessionBook } from "./sessions";
import { loadUiFiles } from "./ui-files";
import { findRunningDaemon } from "./discovery";

export interface DaemonOptions {
  dataDir: string;
  /** Loopback port for the UI and API; 0 picks a free one. */
  uiPort: number;
  version: string;
  /** The built React UI (dist/renderer). */
  uiDir: string;
}

export interface RunningDaemon {
  url: string;
  /** The UI's URL with the access key in its fragment (never sent to the server by the browser). */
  uiUrl: string;
  port: number;
  host: Host;
  logs: LogBus;
  stop(): Promise<void>;
}

/** The daemon: builds Host, serves the control API and the UI on loopback and on the local socket. */
export async function startDaemon(options: DaemonOptions): Promise<RunningDaemon> {
  const paths = dataPaths(options.dataDir);
  // A data dir this user may not write is said plainly, before anything half-starts.
  await ensureWritableDir(paths.dataDir);
  await ensureWritableDir(paths.run);
  await chmod(paths.run, 0o700);
  // Loading settings only reads; the daemon tightens a secrets file someone made readable by others.
  await chmod(paths.secrets, 0o600).catch(() => undefined);
  const running = await findRunningDaemon(paths);
  if (running) {
    throw new UserError({ code: "already-running", message: `podhost is already running for ${paths.dataDir} (pid ${running.pid}).`, fix: `Its UI is at ${running.url}. Stop it first, or use another --data-dir.` });
  }

  const logs = new LogBus();
  const logFile = openLogFile(paths, logs);
  const token = await loadOrCreateToken(paths.token);
  logs.setSecrets([token]);
  const host = await Host.open({ dataDir: options.dataDir, version: options.version, logs, logProblem: () => logFile.problem() });
  const sessions = await SessionBook.open(paths.sessions, token);
  const handlers = createHandlers(host, logs, sessions);
  const uiFiles = await loadUiFiles(options.uiDir);
  let port = 0;
  const shutdown = new AbortController();
  const serverOptions = { host, logs, handlers, token, sessions, uiFiles, port: () => port, shutdown: shutdown.signal };
  const tcp = createControlServer("tcp", serverOptions);
  const socket = createControlServer("socket", serverOptions);

  port = await listenTcp(tcp, options.uiPort);
  host.reservePort("podhost's UI port (--ui-port)", port);
  await rm(paths.socket, { force: true });
  await new Promise<void>((resolve, reject) => socket.once("error", reject).listen(paths.socket, resolve));
  if (process.platform !== "win32") await chmod(paths.socket, 0o600);

  const url = `http://127.0.0.1:${port}/`;
  await writeFileSafely(paths.daemonInfo, JSON.stringify({ pid: process.pid, port, url }), 0o600);
  logs.logger("daemon").info(`podhost ${options.version} is up; UI at ${url}`);

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      logs.logger("daemon").info("Shutting down.");
      host.events.publish("notice", { level: "info", text: "podhost is stopping; followers will find it again when it is back." });
      shutdown.abort();
      tcp.closeAllConnections();
      socket.closeAllConnections();
      await Promise.all([closeServer(tcp), closeServer(socket)]);
      await host.close();
      await rm(paths.daemonInfo, { force: true });
      await rm(paths.socket, { force: true });
      await logFile.close();
    })());
  return { url, uiUrl: `${url}#token=${token}`, port, host, logs, stop };
}

async function listenTcp(server: Server, port: number): Promise<number> {
  try {
    await new Promise<void>((resolve, reject) => server.once("error", reject).listen(port, "127.0.0.1", resolve));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EADDRINUSE") {
      throw new UserError({ code: "ui-port-busy", message: `Port ${port} on 127.0.0.1 is already in use, so podhost's UI cannot listen there.`, fix: "Choose another with --ui-port N (0 picks a free one)." });
    }
    throw error;
  }
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("the UI listener has no TCP address");
  return address.port;
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

/** The daemon's own log, capped like the pod's (10 MB x 5); written off the event loop, and a failed write never stops the daemon. */
function openLogFile(paths: DataPaths, logs: LogBus): RotatingFile {
  const file = new RotatingFile(join(paths.logs, "daemon.log"));
  logs.subscribe((line) => file.write(`${formatLogLine(line)}\n`));
  return file;
}
