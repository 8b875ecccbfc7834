import { request } from "node:http";
import { readFile } from "node:fs/promises";
import { apiPaths, type CommandName, type CommandParams, type CommandResult, type ApiErrorBody } from "../../shared/api";
import { UserError, isUserErrorInfo } from "../../shared/errors";
import type { StatusSnapshot } from "../../shared/status";
import type { LogLine } from "../../shared/logs";
import { dataPaths, type DataPaths } from "../store/paths";

/** Thrown when no daemon serves the data dir; commands that can work offline catch it. */
export class NoDaemonError extends UserError {
  constructor(dataDir: string) {
    super({ code: "no-daemon", message: `podhost is not running (no daemon for ${dataDir}).`, fix: "Start it with `podhost serve`, or open the podhost app." });
  }
}

/** The control API over the local socket in the data dir (0600), authenticated with the install's token. */
export class ControlClient {
  private readonly paths: DataPaths;

  constructor(dataDir: string) {
    this.paths = dataPaths(dataDir);
  }

  async call<K extends CommandName>(name: K, params: CommandParams<K>): Promise<CommandResult<K>> {
    return (await this.send("POST", apiPaths.command(name), params)) as CommandResult<K>;
  }

  async status(): Promise<StatusSnapshot> {
    return (await this.send("GET", apiPaths.status)) as StatusSnapshot;
  }

  /** Follow the event stream; returns a function that ends it. */
  async follow(handlers: { status?: (s: StatusSnapshot) => void; log?: (l: LogLine) => void; end?: () => void }): Promise<() => void> {
    const token = await this.token();
    return new Promise((resolve, reject) => {
      const req = request({ socketPath: this.paths.socket, path: apiPaths.events, method: "GET", headers: { Authorization: `Bearer ${token}`, Accept: "text/event-stream" } }, (res) => {
        if (res.statusCode !== 200) return reject(new UserError({ code: "events", message: `The event stream answered ${res.statusCode}.` }));
        let buffer = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          buffer += chunk;
          let end: number;
          while ((end = buffer.indexOf("\n\n")) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const event = /^event: (.*)$/m.exec(block)?.[1];
            const data = /^data: (.*)$/m.exec(block)?.[1];
            if (!event || data === undefined) continue;
            if (event === "status") handlers.status?.(JSON.parse(data) as StatusSnapshot);
            if (event === "log") handlers.log?.(JSON.parse(data) as LogLine);
          }
        });
        res.on("close", () => handlers.end?.());
        resolve(() => req.destroy());
      });
      req.on("error", (error) => reject(this.translate(error)));
      req.end();
    });
  }

  private async send(method: string, path: string, body?: unknown): Promise<unknown> {
    const token = await this.token();
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = request(
        { socketPath: this.paths.socket, path, method, headers: { Authorization: `Bearer ${token}`, ...(payload ? { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(payload) } : {}) } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (chunk: Buffer) => chunks.push(chunk));
          res.on("end", () => {
            let parsed: unknown;
            try {
              parsed = JSON.parse(Buffer.concat(chunks).toString("utf8"));
            } catch {
              return reject(new UserError({ code: "bad-reply", message: `The daemon sent an unreadable reply (HTTP ${res.statusCode}).` }));
            }
            const error = (parsed as Partial<ApiErrorBody>).error;
            if ((res.statusCode ?? 500) >= 400) return reject(new UserError(isUserErrorInfo(error) ? error : { code: "http", message: `The daemon answered HTTP ${res.statusCode}.` }));
            resolve(parsed);
          });
        },
      );
      req.on("error", (error) => reject(this.translate(error)));
      req.end(payload);
    });
  }

  private async token(): Promise<string> {
    try {
      return (await readFile(this.paths.token, "utf8")).trim();
    } catch {
      throw new NoDaemonError(this.paths.dataDir);
    }
  }

  private translate(error: NodeJS.ErrnoException): Error {
    return error.code === "ENOENT" || error.code === "ECONNREFUSED" ? new NoDaemonError(this.paths.dataDir) : error;
  }
}
