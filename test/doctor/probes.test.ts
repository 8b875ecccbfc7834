import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer as createTcpServer, type AddressInfo, type Server } from "node:net";
import { join } from "node:path";
import { createServer as createTlsServer } from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDoctor } from "../../main/doctor";
import { realProbes } from "../../main/doctor/probes";
import { settingsSchema } from "../../shared/settings";
import { tempDir } from "../helpers/temp";
import { requireTool } from "../helpers/tools";

const domain = "pod.example.org";

const listen = async (server: Server) => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return (server.address() as AddressInfo).port;
};

describe("doctor's real probes (loopback only)", () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let tlsServer: Server;
  let tlsPort: number;
  let closedPort: number;

  beforeAll(async () => {
    dir = await tempDir();
    const openssl = requireTool("openssl");
    const key = join(dir.path, "key.pem");
    const cert = join(dir.path, "cert.pem");
    execFileSync(openssl, ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key, "-out", cert, "-days", "2", "-subj", `/CN=${domain}`, "-addext", `subjectAltName=DNS:${domain}`], { stdio: "ignore" });
    tlsServer = createTlsServer({ key: readFileSync(key), cert: readFileSync(cert) }, (socket) => socket.end());
    tlsPort = await listen(tlsServer);
    const probe = createTcpServer();
    closedPort = await listen(probe);
    await new Promise((resolve) => probe.close(resolve));
  });

  afterAll(async () => {
    tlsServer?.close();
    await dir?.cleanup();
  });

  it("reads the names and trust of the certificate the proxy answers with", async () => {
    const probe = await realProbes.proxyCertificate(tlsPort, domain);
    expect(probe).toMatchObject({ answered: true, names: [domain], trusted: false });
    expect(probe.answered && probe.validTo).toBeGreaterThan(Date.now());
  });

  it("says when nothing answers on the proxy's port", async () => {
    expect(await realProbes.proxyCertificate(closedPort, domain)).toEqual({ answered: false, error: "connection refused" });
  });

  it("tells a reachable address from an unreachable one (hairpin test)", async () => {
    expect(await realProbes.hairpin("127.0.0.1", tlsPort, "https", domain)).toBe(true);
    expect(await realProbes.hairpin("127.0.0.1", closedPort, "https", domain)).toBe(false);
  });

  it("runs the whole check with real probes and an injected resolver", async () => {
    const settings = settingsSchema.parse({ domain, ports: { upnp: true } });
    const doctor = createDoctor({
      settings: () => settings,
      podStatus: () => ({ state: "running", message: "The pod answers its health check." }),
      proxyListeners: () => ({ httpsPort: tlsPort, httpPort: 8080 }),
      portsStatus: () => ({ state: "mapped", message: "", natType: "public", externalIp: "127.0.0.1", router: { kind: "upnp-igd2", address: "127.0.0.1", lanAddress: "127.0.0.1" }, mappings: [{ purpose: "https", protocol: "TCP", externalPort: tlsPort, internalClient: "127.0.0.1", internalPort: tlsPort, leaseSeconds: 3600 }] }),
      proxyStatus: () => ({ state: "running", message: "The proxy listens." }),
      certsStatus: () => ({ state: "valid", message: "A certificate from podhost's own CA.", mode: "local" }),
      dnsStatus: () => ({ state: "off", message: "Dynamic DNS is off.", history: [] }),
      probes: { resolve: async () => ["127.0.0.1"] },
    });
    const report = await doctor.run();
    expect(Object.fromEntries(report.hops.map((h) => [h.id, h.state]))).toEqual({ internet: "ok", dns: "fail", router: "ok", http: "skipped", pc: "warn", proxy: "warn", certificate: "warn", pod: "ok" });
    expect(report.hops.find((h) => h.id === "dns")!.reason).toBe(`${domain} resolves to 127.0.0.1, in the loopback range (127.0.0.0/8): only the computer itself reaches that.`);
    expect(report.hops.find((h) => h.id === "proxy")!.reason).toMatch(/browsers and other pods do not trust it/);
  });
});
