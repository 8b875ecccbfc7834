import { apiPaths, type CommandName, type CommandParams, type CommandResult } from "../shared/api";
import { isUserErrorInfo, type UserErrorInfo } from "../shared/errors";
import type { StatusAt } from "../shared/events";

/**
 * The UI's only way to the daemon: `POST /api/<command>` with JSON, authenticated by the
 * session cookie that `openSession` obtained with the access key from podhost's link.
 */
export class ApiError extends Error {
  readonly info: UserErrorInfo;
  readonly httpStatus: number;

  constructor(info: UserErrorInfo, httpStatus: number) {
    super(info.message);
    this.name = "ApiError";
    this.info = info;
    this.httpStatus = httpStatus;
  }
}

// A 401 anywhere means the cookie is missing or stale: the whole UI switches to the "open the link" screen.
const unauthorizedListeners = new Set<() => void>();
let unauthorized = false;

export function isUnauthorized(): boolean {
  return unauthorized;
}

export function onUnauthorized(listener: () => void): () => void {
  unauthorizedListeners.add(listener);
  return () => unauthorizedListeners.delete(listener);
}

export function markUnauthorized(): void {
  if (unauthorized) return;
  unauthorized = true;
  for (const listener of unauthorizedListeners) listener();
}

async function post(path: string, body: unknown, what: string): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(path, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
  } catch {
    throw new ApiError({ code: "unreachable", message: `Could not reach podhost to ${what}.`, fix: "Check that podhost is still running, then try again." }, 0);
  }
  if (response.status === 401) markUnauthorized();
  const text = await response.text();
  const json = parseJson(text);
  if (!response.ok) {
    const error = (json as { error?: unknown } | undefined)?.error;
    const info: UserErrorInfo = isUserErrorInfo(error)
      ? error
      : { code: `http-${response.status}`, message: `podhost answered ${response.status} ${response.statusText} when asked to ${what}.`, fix: "The Logs page may say more." };
    throw new ApiError(info, response.status);
  }
  return json;
}

function parseJson(text: string): unknown {
  if (text === "") return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** Run a control API command with typed params and result. */
export async function call<K extends CommandName>(name: K, params: CommandParams<K>): Promise<CommandResult<K>> {
  return (await post(apiPaths.command(name), params, `run "${name}"`)) as CommandResult<K>;
}

/**
 * Run a command named at run time (a status card's next action). Commands the daemon gained after
 * this build still go through: the daemon is the judge of what exists.
 */
export async function callByName(name: string, params: Record<string, unknown> = {}): Promise<unknown> {
  return post(`/api/${encodeURIComponent(name)}`, params, `run "${name}"`);
}

/** The status snapshot and the id of the last event it reflects. */
export async function getStatus(): Promise<StatusAt> {
  let response: Response;
  try {
    response = await fetch(apiPaths.status, { credentials: "same-origin" });
  } catch {
    throw new ApiError({ code: "unreachable", message: "Could not reach podhost to read its status.", fix: "Check that podhost is still running." }, 0);
  }
  if (response.status === 401) markUnauthorized();
  if (!response.ok) throw new ApiError({ code: `http-${response.status}`, message: `podhost answered ${response.status} when asked for its status.` }, response.status);
  return (await response.json()) as StatusAt;
}

/** Trade the token from podhost's link for a session cookie (a revocable id, never the token). */
export async function openSession(token: string): Promise<void> {
  await post(apiPaths.session, { token }, "open a session");
}
