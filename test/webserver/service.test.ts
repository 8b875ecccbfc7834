import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultSettings } from "../../shared/settings";
import { UserError } from "../../shared/errors";
import { createWebserverService } from "../../main/webserver/index";
import { checkWebServer } from "../../main/webserver/check";
import { detectWebServer } from "../../main/webserver/detect";
import { hostOs } from "../../main/webserver/locations";
import { tempDir } from "../helpers/temp";
import { startBackend, type Backend } from "./backend";
import { freePort, makeCertificate } from "./servers";

describe("the webserver service", () => {
  const withDomain = { ...defaultSettings(), domain: "pod.example.org" };

  it("builds the snippet from settings: the pod's name and podhost's ports", () => {
    const service = createWebserverService({ settings: () => ({ ...withDomain, proxy: { ...withDomain.proxy, httpsPort: 9443, httpPort: 9080 } }), os: "debian" });
    const snippet = service.snippet({ server: "nginx" });
    expect(snippet.mode).toBe("vhost");
    expect(snippet.text).toContain("server_name pod.example.org;");
    expect(snippet.text).toContain("proxy_pass https://127.0.0.1:9443;");
    expect(snippet.text).toContain("proxy_pass http://127.0.0.1:9080;");
    expect(snippet.pathHint).toBe("/etc/nginx/sites-available/podhost-pod.example.org");
    expect(snippet.enableSteps).toContain("sudo nginx -t");
  });

  it("uses the certificate podhost keeps for the name when Host provides it", () => {
    const service = createWebserverService({ settings: () => withDomain, certificatePaths: (domain) => ({ certificate: `/data/certs/${domain}.crt`, key: `/data/certs/${domain}.key` }), os: "debian" });
    expect(service.snippet({ server: "apache" }).text).toContain("SSLCertificateFile /data/certs/pod.example.org.crt");
  });

  it("asks for the domain first when none is set", () => {
    const service = createWebserverService({ settings: () => defaultSettings(), os: "debian" });
    expect(() => service.snippet({ server: "caddy" })).toThrow(UserError);
    expect(() => service.snippet({ server: "caddy" })).toThrow("The snippet needs the pod's name");
  });

  it("names the allowed servers when given another", () => {
    const service = createWebserverService({ settings: () => withDomain, os: "debian" });
    expect(() => service.snippet({ server: "iis" as "nginx" })).toThrow("server must be one of: nginx, apache, caddy, lighttpd.");
  });
});

describe("detection", () => {
  it("says the ports are free when nothing listens on them", async () => {
    const ports = [await freePort(), await freePort()] as const;
    const detected = await detectWebServer(ports);
    expect(detected).toEqual({ holders: [], message: `Nothing listens on ports ${ports[0]} and ${ports[1]}: podhost can use them itself.` });
  });

  it("tells Debian and Fedora families apart from /etc/os-release", async () => {
    const dir = await tempDir();
    try {
      const file = join(dir.path, "os-release");
      await writeFile(file, 'ID=ubuntu\nID_LIKE="debian"\n');
      expect(hostOs("linux", file)).toBe("debian");
      await writeFile(file, 'ID="rocky"\nID_LIKE="rhel centos fedora"\n');
      expect(hostOs("linux", file)).toBe("fedora");
      expect(hostOs("darwin", file)).toBe("macos");
      expect(hostOs("linux", join(dir.path, "missing"))).toBe("other");
    } finally {
      await dir.cleanup();
    }
  });
});

describe("the check when something is down", () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  let backend: Backend;

  beforeAll(async () => {
    dir = await tempDir();
    const cert = await makeCertificate(dir.path, ["pod.example.test"]);
    backend = await startBackend({ cert: await readFile(cert.certFile, "utf8"), key: await readFile(cert.keyFile, "utf8") }, "pod.example.test");
  });
  afterAll(async () => {
    await backend?.close();
    await dir?.cleanup();
  });

  it("says the user's server is not listening, with the way to fix it", async () => {
    const port = await freePort();
    const result = await checkWebServer({ url: `https://pod.example.test:${port}/`, httpUrl: `http://pod.example.test:${await freePort()}/`, podhost: backend, server: "nginx", connectTo: "127.0.0.1" });
    expect(result.ok).toBe(false);
    expect(result.differences).toHaveLength(1);
    expect(result.differences[0]!.message).toMatch(new RegExp(`^/.well-known/nodeinfo through nginx fails: nothing listens there \\(connect ECONNREFUSED 127.0.0.1:${port}\\)\\. Is nginx running, and listening on that port\\?$`));
  });

  it("says podhost itself does not answer when its ports are closed", async () => {
    const closed = { httpsPort: await freePort(), httpPort: await freePort() };
    const result = await checkWebServer({ url: `https://pod.example.test:${backend.httpsPort}/`, podhost: closed, connectTo: "127.0.0.1" });
    expect(result.differences[0]!.message).toMatch(/^podhost itself does not answer \/\.well-known\/nodeinfo \(connect ECONNREFUSED .*\): start the pod, then check again\.$/);
  });
});
