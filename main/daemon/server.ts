import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { ZodError } from "zod";
import { apiPaths, commands, isCommandName, type ApiErrorBody } from "../../shared/api";
import { UserError, type UserErrorInfo } from "../../shared/errors";
import { settingsError } from "../../shared/settings";
import type { StatusAt } from "../../shared/events";
import type { Host } from "../host";
import type { LogBus, Logger } from "../log";
import { checkApiRequest, checkHost, sameSecret, sessionCookie, type Transport } from "./auth";
import { serveEvents } from "./events";
import type { Handlers } from "./handlers";
import type { SessionBook } from "./sessions";
import type { UiFile } from "./ui-files";

export interface ControlServerOptions {
  host: Host;
  logs: LogBus;
  handlers: Handlers;
  token: string;
  /** Browser sessions: the cookie holds one of these ids, never the token. */
  sessions: SessionBook;
  uiFiles: Map<string, UiFile>;
  /** The loopback port, known once the TCP listener is bound (Host and Origin are checked against it). */
  port: () => number;
  /** Aborted when the daemon stops: event streams end cleanly, so followers see the end. */
  shutdown: AbortSignal;
}

const maxBodyBytes = 1 << 20;

const securityHeaders = {
  "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "no-referrer",
  "X-Frame-Options": "DENY",
};

/**
 * The control API over HTTP: one server per transport, one request handler for both.
 * Commands map over the handler table; nothing here knows a command by name.
 */
export function createControlServer(transport: Transport, options: ControlServerOptions): Server {
  const log = options.logs.logger("api");
  const server = createServer({ headersTimeout: 10_000, requestTimeout: 30_000 }, (req, res) => {
    handle(transport, options, log, req, res).catch((error: unknown) => {
      log.error(`Request ${req.method} ${req.url} failed: ${(error as Error).stack ?? String(error)}`);
      if (!res.headersSent) sendError(res, 500, { code: "internal", message: "podhost hit an unexpected error; details are in the log." });
      else res.destroy();
    });
  });
  return server;
}

async function handle(transport: Transport, options: ControlServerOptions, log: Logger, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? "/", "http://podhost.invalid");
  const port = options.port();
  for (const [name, value] of Object.entries(securityHeaders)) res.setHeader(name, value);

  if (!url.pathname.startsWith("/api/")) {
    const hostCheck = transport === "tcp" ? checkHost(req.headers.host, port) : ({ ok: true } as const);
    if (!hostCheck.ok) return sendError(res, hostCheck.status, { code: "forbidden", message: hostCheck.message });
    return serveUi(options.uiFiles, url.pathname, req, res);
  }

  const name = url.pathname.slice("/api/".length);
  const mutates = req.method !== "GET" && (name === "session" || !isCommandName(name) || commands[name].mutates);
  const facts = {
    transport,
    method: req.method ?? "GET",
    host: req.headers.host,
    origin: req.headers.origin,
    secFetchSite: header(req, "sec-fetch-site"),
    authorization: req.headers.authorization,
    cookie: req.headers.cookie,
  };
  res.setHeader("Cache-Control", "no-store");

  if (url.pathname === apiPaths.session && req.method === "POST") {
    // The UI trades the token from its URL fragment for a session id in an HttpOnly cookie: scripts never keep
    // the token, and the cookie (which browsers send to every port of 127.0.0.1) holds only a revocable id.
    const verdict = checkApiRequest({ ...facts, authorization: undefined, cookie: undefined }, port, options.token, true);
    if (!verdict.ok && verdict.status === 403) return sendError(res, 403, { code: "forbidden", message: verdict.message });
    const body = (await readJson(req)) as { token?: unknown };
    if (typeof body?.token !== "string" || !sameSecret(body.token, options.token)) {
      return sendError(res, 401, { code: "bad-token", message: "That access key is not podhost's. Open podhost from the tray, or run `podhost open` for the link." });
    }
    const session = await options.sessions.issue();
    res.setHeader("Set-Cookie", `${sessionCookie}=${session.id}; HttpOnly; SameSite=Strict; Path=/api; Max-Age=${session.maxAgeSeconds}`);
    return sendJson(res, 200, { ok: true });
  }

  const verdict = checkApiRequest(facts, port, options.token, mutates, (id) => options.sessions.isValid(id));
  if (!verdict.ok) return sendError(res, verdict.status, { code: verdict.status === 401 ? "unauthorized" : "forbidden", message: verdict.message });

  if (url.pathname === apiPaths.status && req.method === "GET") return sendJson(res, 200, statusAt(options.host));
  if (url.pathname === apiPaths.events && req.method === "GET") {
    try {
      return serveEvents(options.host.events, req, res, url, options.shutdown);
    } catch (error) {
      if (error instanceof UserError) return sendError(res, 400, error.toJSON());
      throw error;
    }
  }
  if (!isCommandName(name)) return sendError(res, 404, { code: "unknown-command", message: `There is no API command "${name}".` });
  if (req.method !== "POST") return sendError(res, 405, { code: "method", message: `Send ${name} as POST with JSON parameters.` });

  let params: unknown;
  try {
    params = commands[name].params.parse((await readJson(req)) ?? {});
  } catch (error) {
    if (error instanceof ZodError) return sendError(res, 400, settingsError(error).toJSON());
    if (error instanceof UserError) return sendError(res, 400, error.toJSON());
    throw error;
  }
  try {
    const handler = options.handlers[name] as (p: unknown) => Promise<unknown>;
    const result = await handler(params);
    if (commands[name].mutates) log.debug(`${name} done (${facts.transport}).`);
    return sendJson(res, 200, result);
  } catch (error) {
    if (error instanceof UserError) return sendError(res, 400, error.toJSON());
    throw error;
  }
}

/** The snapshot and the last event it reflects: a follower resumes from there without a gap or a double. */
function statusAt(host: Host): StatusAt {
  // Read the id first: an event published while the snapshot is taken is then sent again, never missed.
  const lastEventId = host.events.lastId;
  return { ...host.snapshot(), lastEventId };
}

function serveUi(files: Map<string, UiFile>, pathname: string, req: IncomingMessage, res: ServerResponse): void {
  if (req.method !== "GET" && req.method !== "HEAD") return sendError(res, 405, { code: "method", message: "Only GET here." });
  const file = files.get(pathname === "/" ? "/index.html" : pathname);
  if (!file) {
    if (!files.has("/index.html")) return sendError(res, 503, { code: "no-ui", message: "The UI is not built: run `npm run build`." });
    return sendError(res, 404, { code: "not-found", message: `No such page: ${pathname}` });
  }
  res.setHeader("ETag", file.etag);
  res.setHeader("Cache-Control", pathname.startsWith("/assets/") ? "public, max-age=31536000, immutable" : "no-cache");
  if (req.headers["if-none-match"] === file.etag) {
    res.writeHead(304).end();
    return;
  }
  res.writeHead(200, { "Content-Type": file.type, "Content-Length": file.body.length });
  res.end(req.method === "HEAD" ? undefined : file.body);
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxBodyBytes) throw new UserError({ code: "too-large", message: "The request is too large (1 MiB at most)." });
    chunks.push(chunk as Buffer);
  }
  if (size === 0) return undefined;
  try {
    return JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch {
    throw new UserError({ code: "bad-json", message: "The request body is not valid JSON." });
  }
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "Content-Type": "application/json; charset=utf-8", "Content-Length": Buffer.byteLength(text) });
  res.end(text);
}

function sendError(res: ServerResponse, status: number, error: UserErrorInfo): void {
  const body: ApiErrorBody = { error };
  sendJson(res, status, body);
}
