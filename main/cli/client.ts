import { request } from "node:http";
import { readFile } from "node:fs/promises";
import { apiPaths, type CommandName, type CommandParams, type CommandResult, type ApiErrorBody } from "../../shared/api";
import { UserError, isUserErrorInfo } from "../../shared/errors";
import type { StatusSnapshot } from "../../shared/status";
import type { StatusAt } from "../../shared/events";
import { cancellableWait, StreamRefused, type EventTransport } from "../../shared/event-follower";
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

  /** The snapshot and the id of the last event it reflects (`GET /api/status`). */
  async statusAt(): Promise<StatusAt> {
    return (await this.send("GET", apiPaths.status)) as StatusAt;
  }

  /** The event stream over the local socket, for an `EventFollower`. */
  readonly events: EventTransport = {
    stream: async (path, onText, cancel) => {
      const token = await this.token();
      await new Promise<void>((resolve, reject) => {
        const req = request({ socketPath: this.paths.socket, path, method: "GET", headers: { Authorization: `Bearer ${token}`, Accept: "text/event-stream" } }, (res) => {
          if (res.statusCode !== 200) {
            res.resume();
            return reject(new StreamRefused(res.statusCode ?? 0));
          }
          res.setEncoding("utf8");
          res.on("data", onText);
          res.on("close", () => resolve());
        });
        req.on("error", (error) => (cancel.isCancelled ? resolve() : reject(this.translate(error))));
        cancel.onCancel(() => req.destroy());
        req.end();
      });
    },
    wait: cancellableWait({ set: (fn, ms) => setTimeout(fn, ms), clear: (handle) => clearTimeout(handle) }),
  };

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
