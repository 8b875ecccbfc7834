import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect } from "node:net";
import { readFile, rm, stat } from "node:fs/promises";
import { startDaemon, type RunningDaemon } from "../../main/daemon";
import { dataPaths } from "../../main/store/paths";
import { tempDir } from "../helpers/temp";
import { podhost } from "../helpers/podhost";

let daemon: RunningDaemon;
let dir: { path: string; cleanup: () => Promise<void> };
let token: string;

beforeAll(async () => {
  dir = await tempDir();
  daemon = await startDaemon({ dataDir: dir.path, uiPort: 0, version: "test", uiDir: dir.path });
  token = new URL(daemon.uiUrl).hash.replace("#token=", "");
});
afterAll(async () => {
  await daemon.stop();
  await dir.cleanup();
});

/** One raw HTTP/1.1 request, so nothing helps or normalises it on the way. */
function raw(request: string, port = daemon.port): Promise<{ status: number; headers: string; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    let data = "";
    socket.on("data", (chunk) => (data += chunk.toString("utf8")));
    socket.on("end", () => {
      const [head = "", body = ""] = data.split("\r\n\r\n");
      resolve({ status: Number(head.split(" ")[1]), headers: head, body });
    });
    socket.on("error", reject);
    // Not end(): a half-closed socket may be dropped before an answer that takes a disk write; Connection: close ends it.
    socket.write(request.replace(/\n/g, "\r\n"));
  });
}

describe("control API security (raw HTTP)", () => {
  it("answers 401 to a request without the token", async () => {
    const reply = await raw(`GET /api/status HTTP/1.1\nHost: 127.0.0.1:${daemon.port}\nConnection: close\n\n`);
    expect(reply.status).toBe(401);
    expect(reply.body).not.toContain(token);
  });

  it("answers 200 with the status snapshot to a request with the token", async () => {
    const reply = await raw(`GET /api/status HTTP/1.1\nHost: 127.0.0.1:${daemon.port}\nAuthorization: Bearer ${token}\nConnection: close\n\n`);
    expect(reply.status).toBe(200);
    const snapshot = JSON.parse(reply.body) as Record<string, { state: string; message: string }>;
    for (const key of ["pod", "proxy", "certs", "ports", "dns"]) expect(snapshot[key]).toMatchObject({ state: expect.any(String), message: expect.any(String) });
  });

  it("answers 403 to a foreign Host (DNS rebinding), even with the token", async () => {
    const reply = await raw(`GET /api/status HTTP/1.1\nHost: attacker.example:${daemon.port}\nAuthorization: Bearer ${token}\nConnection: close\n\n`);
    expect(reply.status).toBe(403);
  });

  it("answers 403 to a POST from a foreign Origin (CSRF), even with the token", async () => {
    const body = JSON.stringify({ changes: { "proxy.httpsPort": 9443 } });
    const reply = await raw(`POST /api/settings.set HTTP/1.1\nHost: 127.0.0.1:${daemon.port}\nOrigin: http://attacker.example\nAuthorization: Bearer ${token}\nContent-Type: application/json\nContent-Length: ${body.length}\nConnection: close\n\n${body}`);
    expect(reply.status).toBe(403);
    expect(daemon.host.settingsView().settings.proxy.httpsPort).toBe(8443);
  });

  it("trades the token for an HttpOnly SameSite=Strict session cookie that holds a session id, never the token", async () => {
    const cookie = await openSession(daemon.port, token);
    expect(cookie.attributes).toMatch(/HttpOnly/);
    expect(cookie.attributes).toMatch(/SameSite=Strict/);
    expect(cookie.attributes).toMatch(/Max-Age=\d+/);
    expect(cookie.value).not.toContain(token);
    expect(cookie.value).toMatch(/^podhost_session=[A-Za-z0-9_-]{43}$/);
    expect((await raw(`GET /api/status HTTP/1.1\nHost: localhost:${daemon.port}\nCookie: ${cookie.value}\nConnection: close\n\n`)).status).toBe(200);
    // Cookies are not scoped by port: the token itself must not open the API as a cookie.
    expect((await raw(`GET /api/status HTTP/1.1\nHost: localhost:${daemon.port}\nCookie: podhost_session=${token}\nConnection: close\n\n`)).status).toBe(401);
  });

  it("signs every browser out on request: their session cookies stop working at once", async () => {
    const cookie = await openSession(daemon.port, token);
    const status = () => raw(`GET /api/status HTTP/1.1\nHost: 127.0.0.1:${daemon.port}\nCookie: ${cookie.value}\nConnection: close\n\n`);
    expect((await status()).status).toBe(200);
    const signOut = await podhost(dir.path, ["sign-out"]);
    expect(signOut.code, signOut.stderr).toBe(0);
    expect(signOut.stdout).toMatch(/^\d+ browser sessions? ended\.$/m);
    expect((await status()).status).toBe(401);
    // The link still opens a new session.
    expect((await raw(`GET /api/status HTTP/1.1\nHost: 127.0.0.1:${daemon.port}\nCookie: ${(await openSession(daemon.port, token)).value}\nConnection: close\n\n`)).status).toBe(200);
  });

  it("refuses a wrong token at the session door", async () => {
    const body = JSON.stringify({ token: "x".repeat(token.length) });
    const reply = await raw(`POST /api/session HTTP/1.1\nHost: 127.0.0.1:${daemon.port}\nContent-Type: application/json\nContent-Length: ${body.length}\nConnection: close\n\n${body}`);
    expect(reply.status).toBe(401);
    expect(reply.headers).not.toMatch(/Set-Cookie/i);
  });

  it("serves a strict Content-Security-Policy with no inline scripts", async () => {
    const reply = await raw(`GET / HTTP/1.1\nHost: 127.0.0.1:${daemon.port}\nConnection: close\n\n`);
    expect(reply.headers).toMatch(/Content-Security-Policy: default-src 'self'; script-src 'self';/);
  });

  it("rejects a settings change with 400 naming the field, and keeps the old value", async () => {
    const body = JSON.stringify({ changes: { "proxy.httpPort": 0 } });
    const reply = await raw(`POST /api/settings.set HTTP/1.1\nHost: 127.0.0.1:${daemon.port}\nAuthorization: Bearer ${token}\nContent-Type: application/json\nContent-Length: ${body.length}\nConnection: close\n\n${body}`);
    expect(reply.status).toBe(400);
    expect(JSON.parse(reply.body)).toMatchObject({ error: { field: "proxy.httpPort", message: expect.stringMatching(/proxy\.httpPort must be/) } });
    expect(daemon.host.settingsView().settings.proxy.httpPort).toBe(8080);
  });

  it("keeps the CLI socket 0600 in a 0700 directory, and the token file 0600", async () => {
    const paths = dataPaths(dir.path);
    expect((await stat(paths.socket)).mode & 0o777).toBe(0o600);
    expect((await stat(paths.run)).mode & 0o777).toBe(0o700);
    expect((await stat(paths.token)).mode & 0o777).toBe(0o600);
  });
});

/** POST /api/session as the UI does; the Set-Cookie it answers. */
async function openSession(port: number, key: string): Promise<{ value: string; attributes: string }> {
  const body = JSON.stringify({ token: key });
  const reply = await raw(`POST /api/session HTTP/1.1\nHost: 127.0.0.1:${port}\nOrigin: http://127.0.0.1:${port}\nContent-Type: application/json\nContent-Length: ${body.length}\nConnection: close\n\n${body}`, port);
  expect(reply.status, reply.headers + reply.body).toBe(200);
  const cookie = /^Set-Cookie: ([^;]+);(.*)$/im.exec(reply.headers);
  return { value: cookie?.[1] ?? "", attributes: cookie?.[2] ?? "" };
}

describe("browser sessions across daemon restarts", () => {
  it("keep working after a restart, and end when the install's token changes", async () => {
    const own = await tempDir();
    try {
      let running = await startDaemon({ dataDir: own.path, uiPort: 0, version: "test", uiDir: own.path });
      const cookie = await openSession(running.port, new URL(running.uiUrl).hash.replace("#token=", ""));
      const status = (d: RunningDaemon) => raw(`GET /api/status HTTP/1.1\nHost: 127.0.0.1:${d.port}\nCookie: ${cookie.value}\nConnection: close\n\n`, d.port);
      await running.stop();
      running = await startDaemon({ dataDir: own.path, uiPort: 0, version: "test", uiDir: own.path });
      expect((await status(running)).status).toBe(200);
      expect(await readFile(dataPaths(own.path).sessions, "utf8")).not.toContain(cookie.value.split("=")[1]);
      await running.stop();
      await rm(dataPaths(own.path).token); // a new install key: every browser must open the new link
      running = await startDaemon({ dataDir: own.path, uiPort: 0, version: "test", uiDir: own.path });
      expect((await status(running)).status).toBe(401);
      await running.stop();
    } finally {
      await own.cleanup();
    }
  });
});
