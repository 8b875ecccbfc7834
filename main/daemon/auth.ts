import { timingSafeEqual } from "node:crypto";

/** How a request reached the daemon: loopback TCP (browser, tray) or the local socket (CLI). */
export type Transport = "tcp" | "socket";

export interface RequestFacts {
  transport: Transport;
  method: string;
  host: string | undefined;
  origin: string | undefined;
  secFetchSite: string | undefined;
  authorization: string | undefined;
  cookie: string | undefined;
}

export type Verdict = { ok: true } | { ok: false; status: 401 | 403; message: string };

export const sessionCookie = "podhost_session";

/**
 * The control API's door rules, as one pure function:
 * - Host must be this daemon's loopback address (a rebound DNS name is refused);
 * - a state-changing request from another origin is refused (CSRF);
 * - every API request carries the per-install token as a Bearer header (CLI, tray), or the
 *   cookie of a session the UI opened with it (`isSession`); the token itself is never a cookie.
 */
export function checkApiRequest(facts: RequestFacts, port: number, token: string, mutates: boolean, isSession: (id: string) => boolean = () => false): Verdict {
  if (facts.transport === "tcp") {
    const hostCheck = checkHost(facts.host, port);
    if (!hostCheck.ok) return hostCheck;
    if (mutates || facts.method !== "GET") {
      if (facts.origin !== undefined && !allowedOrigins(port).includes(facts.origin)) {
        return { ok: false, status: 403, message: `Requests from ${facts.origin} may not control podhost.` };
      }
      if (facts.secFetchSite !== undefined && !["same-origin", "none"].includes(facts.secFetchSite)) {
        return { ok: false, status: 403, message: "Cross-site requests may not control podhost." };
      }
    }
  }
  if (!hasKey(facts, token, isSession)) {
    return { ok: false, status: 401, message: "This needs podhost's access key: open podhost from the tray, or run `podhost open` for the link." };
  }
  return { ok: true };
}

/** DNS-rebinding guard, also applied to the UI's static files. */
export function checkHost(host: string | undefined, port: number): Verdict {
  const allowed = [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`];
  if (host === undefined || !allowed.includes(host.toLowerCase())) {
    return { ok: false, status: 403, message: `podhost answers only at http://127.0.0.1:${port}/ (this request was for "${host ?? ""}").` };
  }
  return { ok: true };
}

function allowedOrigins(port: number): string[] {
  return [`http://127.0.0.1:${port}`, `http://localhost:${port}`, `http://[::1]:${port}`];
}

function hasKey(facts: RequestFacts, token: string, isSession: (id: string) => boolean): boolean {
  const bearer = /^Bearer\s+(\S+)$/i.exec(facts.authorization ?? "")?.[1];
  if (bearer !== undefined) return sameSecret(bearer, token);
  const cookie = parseCookies(facts.cookie)[sessionCookie];
  return cookie !== undefined && isSession(cookie);
}

export function sameSecret(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

function parseCookies(header: string | undefined): Record<string, string> {
  const cookies: Record<string, string> = {};
  for (const part of (header ?? "").split(";")) {
    const index = part.indexOf("=");
    if (index > 0) cookies[part.slice(0, index).trim()] = part.slice(index + 1).trim();
  }
  return cookies;
}
