import { mkdir, readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SnippetOptions, WebServerMode } from "../../shared/webserver";
import { checkWebServer } from "../../main/webserver/check";
import { detectWebServer } from "../../main/webserver/detect";
import { fetchAnswer } from "../../main/webserver/fetch";
import { defaultUpstreamScheme, generateSnippet } from "../../main/webserver/snippets/index";
import { tempDir } from "../helpers/temp";
import { startBackend, type Backend } from "./backend";
import { getJson, postStatus, websocketEcho } from "./client";
import { freePort, makeCertificate, serversUnderTest, type Frame, type RunningServer, type ServerUnderTest } from "./servers";

const domain = "pod.example.test";
const site = "site.example.test";

/** Each server loses the port 80 forward of /.well-known/nodeinfo, its own way. */
const dropNodeinfo: Record<string, { drop: (text: string) => string; status: number; rule: string }> = {
  nginx: { drop: (t) => t.replace(/ *location \/\.well-known\/nodeinfo \{[^}]*\}\n/, ""), status: 301, rule: "location block" },
  apache: { drop: (t) => t.replace(/ *ProxyPass \/\.well-known\/nodeinfo .*\n/, ""), status: 404, rule: "ProxyPass line" },
  caddy: { drop: (t) => t.replace(" /.well-known/nodeinfo ", " "), status: 301, rule: "path in the @podhost matcher" },
  lighttpd: { drop: (t) => t.replace("|nodeinfo)", ")"), status: 301, rule: '$HTTP["url"] rule' },
};

describe.each(serversUnderTest)("$kind in front of podhost", (server: ServerUnderTest) => {
  let dir: { path: string; cleanup: () => Promise<void> };
  let cert: { certFile: string; keyFile: string };
  let ca: string;
  let backend: Backend;

  beforeAll(async () => {
    dir = await tempDir("podhost-webserver-");
    cert = await makeCertificate(dir.path, [domain, site, "own.example.test"]);
    ca = await readFile(cert.certFile, "utf8");
    backend = await startBackend({ cert: ca, key: await readFile(cert.keyFile, "utf8") }, domain);
  });
  afterAll(async () => {
    await backend?.close();
    await dir?.cleanup();
  });

  async function frameFor(mode: WebServerMode): Promise<{ frame: Frame; options: SnippetOptions }> {
    const frame: Frame = { dir: `${dir.path}/${mode}-${Math.random().toString(36).slice(2)}`, http: await freePort(), https: await freePort(), ...cert, ...(mode === "subpath" ? { site } : {}), httpOnly: mode === "port" };
    await mkdir(frame.dir, { recursive: true });
    const options: SnippetOptions = {
      mode,
      domain: mode === "subpath" ? site : domain,
      podhostHttpsPort: backend.httpsPort,
      podhostHttpPort: backend.httpPort,
      upstreamScheme: defaultUpstreamScheme(server.kind),
      prefix: "/pod",
      tls: { certificate: cert.certFile, key: cert.keyFile },
      passthrough: false,
      listen: { http: frame.http, https: frame.https, address: "127.0.0.1", ownHttpsPort: 0 },
    };
    return { frame, options };
  }

  async function serve<T>(frame: Frame, text: string, body: (running: RunningServer) => Promise<T>): Promise<T> {
    const config = await server.write(text, frame);
    await server.test(config, frame);
    const running = await server.start(config, frame);
    try {
      return await body(running);
    } finally {
      await running.stop();
    }
  }

  it("passes its config test, forwards the pod's name with fresh forwarding headers, takes 4 MiB uploads but not 6, upgrades WebSockets, and the check agrees", async () => {
    const { frame, options } = await frameFor("vhost");
    await serve(frame, generateSnippet(server.kind, options, "debian").text, async (running) => {
      const echo = await getJson(frame.https, domain, "/echo-headers", ca, { "x-forwarded-for": "203.0.113.9", "x-forwarded-host": "evil.example", "x-real-ip": "203.0.113.9" });
      expect(echo.status).toBe(200);
      expect(echo.body.host?.replace(/:\d+$/, "")).toBe(domain);
      expect(echo.body["x-forwarded-proto"]).toBe("https");
      expect(echo.body["x-forwarded-for"]).toBe("127.0.0.1");
      expect(echo.body["x-forwarded-host"]?.replace(/:\d+$/, "")).toBe(domain);
      // lighttpd cannot write X-Real-IP; it must still drop the one a client sent.
      expect(echo.body["x-real-ip"]).toBe(server.kind === "lighttpd" ? undefined : "127.0.0.1");

      expect(await postStatus(frame.https, domain, "/echo-headers", ca, 4 * 1024 * 1024)).toBe(200);
      expect(await postStatus(frame.https, domain, "/echo-headers", ca, 6 * 1024 * 1024)).toBe(413);

      const ws = await websocketEcho(frame.https, domain, "/socket", ca, "hello through the front server");
      expect(ws.statusLine).toMatch(/ 101 /);
      expect(ws.echoed).toBe("hello through the front server");

      const result = await checkWebServer({ url: `https://${domain}:${frame.https}/`, httpUrl: `http://${domain}:${frame.http}/`, podhost: backend, server: server.kind, connectTo: "127.0.0.1", ca, echoPath: "/echo-headers" });
      expect(result.differences).toEqual([]);
      expect(result.ok).toBe(true);

      const detected = await detectWebServer([frame.http, frame.https]);
      expect(detected.server).toBe(server.kind);
      expect(detected.holders.map((h) => [h.port, h.pid === running.process.pid])).toEqual([[frame.http, true], [frame.https, true]]);
      // A normal user cannot read root's /proc/<pid>/fd: the Server header still tells.
      const unseen = await detectWebServer([frame.http, frame.https], async () => undefined);
      expect(unseen.server).toBe(server.kind);
      expect(unseen.holders[0]).toEqual({ port: frame.http, server: server.kind });
    });
  });

  it("says which rule is missing when the snippet lost the port 80 forward of /.well-known/nodeinfo", async () => {
    const { frame, options } = await frameFor("vhost");
    const broken = dropNodeinfo[server.kind]!;
    const text = generateSnippet(server.kind, options, "debian").text;
    expect(broken.drop(text)).not.toBe(text);
    await serve(frame, broken.drop(text), async () => {
      const result = await checkWebServer({ url: `https://${domain}:${frame.https}/`, httpUrl: `http://${domain}:${frame.http}/`, podhost: backend, server: server.kind, connectTo: "127.0.0.1", ca });
      expect(result.ok).toBe(false);
      const name = { nginx: "nginx", apache: "Apache", caddy: "Caddy", lighttpd: "lighttpd" }[server.kind];
      const expected =
        broken.status === 404
          ? `/.well-known/nodeinfo over http through ${name} returns 404: the ${broken.rule} for it is missing in the port 80 part; the pod answers 200.`
          : `/.well-known/nodeinfo over http through ${name} returns 301 (a redirect to https://${domain}:${frame.https}/.well-known/nodeinfo); the pod answers 200: the ${broken.rule} for it is missing in the port 80 part, so the redirect to https catches it.`;
      expect(result.differences).toEqual([{ path: "/.well-known/nodeinfo over http", message: expected }]);
    });
  });

  it("in port mode forwards only ACME challenges on port 80 and sends visitors to podhost's port", async () => {
    const { frame, options } = await frameFor("port");
    await serve(frame, generateSnippet(server.kind, options, "debian").text, async () => {
      const result = await checkWebServer({ url: `https://${domain}:${backend.httpsPort}/`, httpUrl: `http://${domain}:${frame.http}/`, mode: "port", podhost: backend, server: server.kind, connectTo: "127.0.0.1", ca });
      expect(result.differences).toEqual([]);
      const token = await fetchAnswer(new URL(`http://${domain}:${frame.http}/.well-known/acme-challenge/${backend.acmeToken}`), { connectTo: "127.0.0.1" });
      expect(token.body).toBe(backend.acmeAnswer);
      const home = await fetchAnswer(new URL(`http://${domain}:${frame.http}/`), { connectTo: "127.0.0.1" });
      expect(home.headers.location).toBe(`https://${domain}:${backend.httpsPort}/`);
    });
  });

  it("in subpath mode forwards the prefix (and root discovery) to podhost inside the user's own site", async () => {
    const { frame, options } = await frameFor("subpath");
    await serve(frame, generateSnippet(server.kind, options, "debian").text, async () => {
      const echo = await getJson(frame.https, site, "/pod/echo-headers", ca);
      expect(echo.body["x-forwarded-prefix"]).toBe("/pod");
      expect(echo.body["x-forwarded-proto"]).toBe("https");
      const result = await checkWebServer({ url: `https://${site}:${frame.https}/pod/`, mode: "subpath", podhost: backend, server: server.kind, connectTo: "127.0.0.1", ca, echoPath: "/pod/echo-headers" });
      expect(result.differences).toEqual([]);
    });
  });
});
