/**
 * The whole chain with podhost's own proxy engine (main/proxy) between nginx and the stand-in
 * pod, as a user runs it: nginx terminates TLS and forwards to podhost's HTTPS port.
 */
import { mkdir, readFile } from "node:fs/promises";
import { createSecureContext } from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CertificateSource } from "../../main/contracts";
import { defaultLimits } from "../../main/proxy/config";
import { startProxy, type ProxyEngine } from "../../main/proxy/engine";
import { checkWebServer } from "../../main/webserver/check";
import { generateSnippet } from "../../main/webserver/snippets/index";
import { tempDir } from "../helpers/temp";
import { startStandInPod } from "./backend";
import { getJson } from "./client";
import { freePort, makeCertificate, serversUnderTest, type Frame } from "./servers";

const domain = "pod.example.test";
const nginx = serversUnderTest.find((s) => s.kind === "nginx")!;

describe("nginx in front of podhost's proxy engine", () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  let ca: string;
  let pod: Awaited<ReturnType<typeof startStandInPod>>;
  let proxy: ProxyEngine;
  let frame: Frame;

  beforeAll(async () => {
    dir = await tempDir("podhost-real-proxy-");
    const cert = await makeCertificate(dir.path, [domain]);
    ca = await readFile(cert.certFile, "utf8");
    const context = createSecureContext({ cert: ca, key: await readFile(cert.keyFile, "utf8") });
    const certificates: CertificateSource = { contextFor: () => context, defaultContext: () => context, http01Response: () => undefined, tlsAlpn01Context: () => undefined, onRenewed: () => () => {} };
    pod = await startStandInPod(domain);
    proxy = await startProxy(
      {
        https: { port: 0, host: "127.0.0.1" },
        http: { port: 0, host: "127.0.0.1", redirectToHttps: true },
        hosts: [{ names: [domain], routes: [{ prefix: "", upstream: { host: "127.0.0.1", port: pod.port } }] }],
        passthrough: [],
        limits: defaultLimits,
      },
      certificates,
    );
    frame = { dir: `${dir.path}/nginx`, http: await freePort(), https: await freePort(), ...cert };
    await mkdir(frame.dir);
  });
  afterAll(async () => {
    await proxy?.close();
    await pod?.close();
    await dir?.cleanup();
  });

  it("reaches the pod with its name and https, and the check agrees", async () => {
    const ports = Object.fromEntries(proxy.listeners().map((l) => [l.proto, l.port])) as { http: number; https: number };
    const options = {
      mode: "vhost" as const,
      domain,
      podhostHttpsPort: ports.https,
      podhostHttpPort: ports.http,
      upstreamScheme: "https" as const,
      prefix: "/pod",
      tls: { certificate: frame.certFile, key: frame.keyFile },
      passthrough: false,
      listen: { http: frame.http, https: frame.https, address: "127.0.0.1", ownHttpsPort: 0 },
    };
    const config = await nginx.write(generateSnippet("nginx", options, "debian").text, frame);
    await nginx.test(config, frame);
    const running = await nginx.start(config, frame);
    try {
      const echo = await getJson(frame.https, domain, "/echo-headers", ca);
      expect(echo.body.host).toBe(domain);
      expect(echo.body["x-forwarded-proto"]).toBe("https");
      const result = await checkWebServer({ url: `https://${domain}:${frame.https}/`, httpUrl: `http://${domain}:${frame.http}/`, podhost: { httpsPort: ports.https, httpPort: ports.http }, server: "nginx", connectTo: "127.0.0.1", ca, echoPath: "/echo-headers" });
      expect(result.differences).toEqual([]);
    } finally {
      await running.stop();
    }
  });
});
