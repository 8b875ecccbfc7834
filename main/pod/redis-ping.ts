import { connect, type NetConnectOpts } from "node:net";

export interface RedisTarget {
  host: string;
  port: number;
  /** A unix socket instead of host/port. */
  path?: string;
  password?: string;
  username?: string;
}

/** Parses redis://[user:password@]host[:port][/db] and unix:///path; undefined when it is neither. */
export function parseRedisUrl(url: string): RedisTarget | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  const password = parsed.password ? decodeURIComponent(parsed.password) : undefined;
  const username = parsed.username ? decodeURIComponent(parsed.username) : undefined;
  const auth = { ...(password ? { password } : {}), ...(username ? { username } : {}) };
  if (parsed.protocol === "unix:") return { host: "", port: 0, path: parsed.pathname, ...auth };
  if (parsed.protocol !== "redis:") return undefined;
  return { host: parsed.hostname.replace(/^\[|\]$/g, "") || "localhost", port: Number(parsed.port || 6379), ...auth };
}

/**
 * Sends PING over RESP (after AUTH when a password is set) and resolves with what happened:
 * "ok" on +PONG, else a short reason for the user. Never rejects.
 */
export function redisPing(target: RedisTarget, timeoutMs = 2_000): Promise<{ ok: true } | { ok: false; reason: string }> {
  return new Promise((resolve) => {
    const options: NetConnectOpts = target.path ? { path: target.path } : { host: target.host, port: target.port };
    const socket = connect(options);
    let answer = "";
    const done = (result: { ok: true } | { ok: false; reason: string }) => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(timeoutMs, () => done({ ok: false, reason: "it did not answer in time" }));
    socket.once("error", (error: NodeJS.ErrnoException) => done({ ok: false, reason: error.code === "ECONNREFUSED" || error.code === "ENOENT" ? "nothing is listening there" : error.message }));
    socket.once("connect", () => {
      const commands = target.password ? [target.username ? ["AUTH", target.username, target.password] : ["AUTH", target.password], ["PING"]] : [["PING"]];
      socket.write(commands.map(encodeCommand).join(""));
    });
    socket.on("data", (chunk) => {
      answer += chunk.toString("utf8");
      const lines = answer.split("\r\n").filter(Boolean);
      const error = lines.find((line) => line.startsWith("-"));
      if (error) return done({ ok: false, reason: /NOAUTH|WRONGPASS|invalid password/i.test(error) ? "it refused the password" : `it answered ${error.slice(1).split(" ")[0]}` });
      if (lines.includes("+PONG")) done({ ok: true });
    });
    socket.once("end", () => done({ ok: false, reason: "it closed the connection without answering PING" }));
  });
}

function encodeCommand(parts: string[]): string {
  return `*${parts.length}\r\n${parts.map((part) => `$${Buffer.byteLength(part)}\r\n${part}\r\n`).join("")}`;
}
