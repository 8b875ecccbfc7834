import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect } from "node:net";
import { stat } from "node:fs/promises";
import { startDaemon, type RunningDaemon } from "../../main/daemon";
import { dataPaths } from "../../main/store/paths";
import { tempDir } from "../helpers/temp";

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
function raw(request: string): Promise<{ status: number; headers: string; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(daemon.port, "127.0.0.1");
    let data = "";
    socket.on("data", (chunk) => (data += chunk.toString("utf8")));
    socket.on("end", () => {
      const [head = "", body = ""] = data.split("\r\n\r\n");
      resolve({ status: Number(head.split(" ")[1]), headers: head, body });
    });
    socket.on("error", reject);
    socket.end(request.replace(/\n/g, "\r\n"));
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

  it("trades the token for an HttpOnly SameSite=Strict cookie that then opens the API", async () => {
    const body = JSON.stringify({ token });
    const session = await raw(`POST /api/session HTTP/1.1\nHost: 127.0.0.1:${daemon.port}\nOrigin: http://127.0.0.1:${daemon.port}\nContent-Type: application/json\nContent-Length: ${body.length}\nConnection: close\n\n${body}`);
    expect(session.status).toBe(200);
    const cookie = /^Set-Cookie: ([^;]+);(.*)$/im.exec(session.headers);
    expect(cookie?.[2]).toMatch(/HttpOnly/);
    expect(cookie?.[2]).toMatch(/SameSite=Strict/);
    const reply = await raw(`GET /api/status HTTP/1.1\nHost: localhost:${daemon.port}\nCookie: ${cookie?.[1]}\nConnection: close\n\n`);
    expect(reply.status).toBe(200);
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
