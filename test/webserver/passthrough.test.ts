import { mkdir, readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateSnippet } from "../../main/webserver/snippets/index";
import { fetchAnswer } from "../../main/webserver/fetch";
import { tempDir } from "../helpers/temp";
import { startBackend, type Backend } from "./backend";
import { getJson } from "./client";
import { freePort, makeCertificate, serversUnderTest, type Frame } from "./servers";

const domain = "pod.example.test";
const nginx = serversUnderTest.find((s) => s.kind === "nginx")!;

describe("nginx SNI passthrough (stream + ssl_preread)", () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  let ca: string;
  let backend: Backend;
  let frame: Frame;

  beforeAll(async () => {
    dir = await tempDir("podhost-passthrough-");
    const cert = await makeCertificate(dir.path, [domain, "own.example.test"]);
    ca = await readFile(cert.certFile, "utf8");
    backend = await startBackend({ cert: ca, key: await readFile(cert.keyFile, "utf8") }, domain);
    frame = { dir: `${dir.path}/nginx`, http: await freePort(), https: await freePort(), ownHttpsPort: await freePort(), ...cert };
    await mkdir(frame.dir);
  });
  afterAll(async () => {
    await backend?.close();
    await dir?.cleanup();
  });

  it("passes nginx -t and hands the pod's TLS connections to podhost untouched, other names to the user's own sites", async () => {
    const options = {
      mode: "vhost" as const,
      domain,
      podhostHttpsPort: backend.httpsPort,
      podhostHttpPort: backend.httpPort,
      upstreamScheme: "https" as const,
      prefix: "/pod",
      passthrough: true,
      listen: { http: frame.http, https: frame.https, address: "127.0.0.1", ownHttpsPort: frame.ownHttpsPort! },
    };
    const config = await nginx.write(generateSnippet("nginx", options, "debian").text, frame);
    await nginx.test(config, frame);
    const running = await nginx.start(config, frame);
    try {
      // podhost terminated TLS itself: nginx added no forwarding headers.
      const echo = await getJson(frame.https, domain, "/echo-headers", ca);
      expect(echo.status).toBe(200);
      expect(echo.body["x-forwarded-proto"]).toBeUndefined();
      const own = await fetchAnswer(new URL(`https://own.example.test:${frame.https}/`), { connectTo: "127.0.0.1", ca });
      expect(own.body).toBe("the user's own site\n");
    } finally {
      await running.stop();
    }
  });
});
