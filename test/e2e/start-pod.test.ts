import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { request } from "node:https";
import { request as httpRequest } from "node:http";
import { fileURLToPath } from "node:url";
import type { Page } from "playwright-core";
import { screenshot } from "../helpers/browser";
import { podhost } from "../helpers/podhost";
import { openPodhostUi, type UiSession } from "../helpers/ui-session";
import { freePort } from "../helpers/ports";

const standIn = fileURLToPath(new URL("../fixtures/stand-in-pod/server.mjs", import.meta.url));
const domain = "pod.example.test";


/** GET through podhost's TLS listener as a browser on this PC would, trusting only podhost's local CA. */
function httpsGet(port: number, path: string, ca: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, servername: domain, headers: { Host: domain }, ca, rejectUnauthorized: true }, (res) => {
      let body = "";
      res.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

function httpGet(port: number, path: string): Promise<{ status: number; location?: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: "127.0.0.1", port, path, headers: { Host: domain } }, (res) => {
      res.resume();
      res.on("end", () => resolve({ status: res.statusCode ?? 0, ...(res.headers.location ? { location: res.headers.location } : {}) }));
    });
    req.on("error", reject);
    req.end();
  });
}

let session: UiSession;
let dir: { path: string };
let page: Page;
let ports: { pod: number; https: number; http: number };

beforeAll(async () => {
  ports = { pod: await freePort(), https: await freePort(), http: await freePort() };
  session = await openPodhostUi({
    settings: {
      domain,
      "pod.profile": "custom",
      "pod.command": process.execPath,
      "pod.args": [standIn, "--port", String(ports.pod)],
      "pod.port": ports.pod,
      "pod.healthUrl": `http://127.0.0.1:${ports.pod}/nodeinfo/2.1`,
      "proxy.httpsPort": ports.https,
      "proxy.httpPort": ports.http,
    },
  });
  ({ page } = session);
  dir = { path: session.dataDir };
  await page.locator('[data-service="pod"][data-state="stopped"]').waitFor();
});
afterAll(() => session?.close());

describe("Start pod, from the UI, with the stand-in pod behind podhost's proxy", () => {
  let podPid: number | undefined;

  it("starts the pod, and shows it running once its health check passes", async () => {
    await page.getByRole("button", { name: "Start pod", exact: true }).first().click();
    await page.locator('[data-service="pod"][data-state="running"]').waitFor({ timeout: 30_000 });
    await page.locator('[data-service="proxy"][data-state="running"]').waitFor();
    await screenshot(page, "start-pod-running");
    const status = JSON.parse((await podhost(dir.path, ["status", "--json"])).stdout) as { pod: { processes: { pid?: number }[] } };
    podPid = status.pod.processes[0]?.pid;
    expect(podPid).toBeGreaterThan(0);
  });

  it("serves the pod over HTTPS with a certificate from podhost's local CA", async () => {
    const ca = (await podhost(dir.path, ["certs", "ca"])).stdout;
    expect(ca).toContain("BEGIN CERTIFICATE");
    const nodeinfo = await httpsGet(ports.https, "/nodeinfo/2.1", ca);
    expect(nodeinfo.status).toBe(200);
    expect(JSON.parse(nodeinfo.body)).toMatchObject({ version: "2.1" });
  });

  it("answers discovery on the HTTP port and sends everything else to HTTPS", async () => {
    expect((await httpGet(ports.http, "/.well-known/nodeinfo")).status).toBe(200);
    const redirect = await httpGet(ports.http, "/stream");
    expect(redirect.status).toBe(301);
    expect(redirect.location).toMatch(/^https:\/\/pod\.example\.test(:\d+)?\/stream$/);
  });

  it("stops the pod and everything in front of it, leaving no process behind", async () => {
    await page.getByRole("button", { name: "Stop pod", exact: true }).first().click();
    await page.locator('[data-service="pod"][data-state="stopped"]').waitFor({ timeout: 30_000 });
    await page.locator('[data-service="proxy"][data-state="stopped"]').waitFor();
    expect(() => process.kill(podPid!, 0)).toThrow();
    await expect(httpGet(ports.http, "/.well-known/nodeinfo")).rejects.toThrow(/ECONNREFUSED/);
  });
});
