import { X509Certificate } from "node:crypto";
import { stat } from "node:fs/promises";
import { createServer as createHttpsServer } from "node:https";
import { Agent, request } from "undici";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createCertsService } from "../../main/certs/index";
import type { ChallengeType, CertsStatus } from "../../shared/certs";
import { freePort, startPebble, type Pebble } from "../fixtures/pebble/harness";
import { startResponders } from "../fixtures/pebble/responders";
import { tempDir, waitFor } from "../helpers/temp";
import { connectTls, ManualClock, settingsWith, testContext } from "./helpers";

const day = 24 * 60 * 60 * 1000;
let pebble: Pebble;
let ports: { httpPort: number; tlsPort: number };
const cleanups: Array<() => Promise<unknown>> = [];

beforeAll(async () => {
  ports = { httpPort: await freePort(), tlsPort: await freePort() };
  pebble = await startPebble(ports);
  // How a user trusts a private ACME CA's HTTPS listener; the service reads it when it talks to the CA.
  process.env.NODE_EXTRA_CA_CERTS = pebble.listenerCaFile;
});
afterAll(() => pebble?.stop());
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function acmeService(domain: string, challenge: ChallengeType | "auto", options: { dns?: boolean; answerHttp?: boolean } = {}) {
  const dir = await tempDir("podhost-acme-");
  cleanups.push(dir.cleanup);
  const clock = new ManualClock(Date.now());
  const service = createCertsService({
    ctx: testContext(dir.path, clock),
    txtRecords: () => (options.dns ? pebble.txtRecords : undefined),
    resolveHost: (name) => pebble.resolveHost(name),
    publicAddress: async () => "127.0.0.1",
  });
  const responders = await startResponders(service.source, { tlsPort: ports.tlsPort, ...(options.answerHttp === false ? {} : { httpPort: ports.httpPort }) });
  cleanups.push(() => responders.close());
  const seen: CertsStatus[] = [];
  service.onChange(() => seen.push(service.status()));
  await service.configure(settingsWith({ domain, certs: { mode: "acme", acme: { directoryUrl: pebble.directoryUrl, email: "admin@pod.test", challenge } } }));
  await service.start();
  cleanups.push(() => service.stop());
  return { service, clock, seen, dir: dir.path };
}

async function expectServedAndTrusted(domain: string, status: CertsStatus) {
  const socket = await connectTls(ports.tlsPort, domain, await pebble.rootPem());
  expect(socket.authorized).toBe(true);
  const served = new X509Certificate(socket.getPeerX509Certificate()!.raw);
  socket.destroy();
  expect(served.checkHost(domain)).toBe(domain);
  expect(status.certificate).toMatchObject({ source: "acme", names: [domain], notAfter: Date.parse(served.validTo) });
  expect(status.certificate?.issuer).toMatch(/Pebble/i);
  return served;
}

const waitForAcme = (service: { status(): CertsStatus }) => waitFor("an ACME certificate", () => service.status().state === "valid" && service.status().certificate?.source === "acme" && service.status(), 30_000);

describe("ACME against pebble", () => {
  it("HTTP-01: issues a certificate that the server then serves to a client trusting pebble's root, showing each step", async () => {
    const domain = "http01.pod.test";
    const { service, seen, dir } = await acmeService(domain, "http-01");
    const status = await waitForAcme(service);
    expect(status.state).toBe("valid");
    await expectServedAndTrusted(domain, status);
    expect([...new Set(seen.flatMap((s) => (s.progress ? [s.progress.step] : [])))]).toEqual(["account", "order", "challenge", "validation", "certificate"]);
    for (const file of ["account-key.pem", "key.pem", "cert.pem"]) expect(((await stat(join(dir, "certs", "acme", file))).mode & 0o777).toString(8)).toBe("600");
    // A client asking for localhost still gets the local certificate.
    const local = await connectTls(ports.tlsPort, "localhost", await service.caCertificatePem());
    expect(local.authorized).toBe(true);
    local.destroy();
  });

  it("TLS-ALPN-01: issues a certificate through the acme-tls/1 challenge on the TLS port", async () => {
    const domain = "alpn.pod.test";
    const { service, seen } = await acmeService(domain, "tls-alpn-01");
    await expectServedAndTrusted(domain, await waitForAcme(service));
    expect(seen.some((s) => s.progress?.challenge === "tls-alpn-01" && s.progress.step === "validation")).toBe(true);
  });

  it("DNS-01: issues a certificate through TXT records set by the DNS provider", async () => {
    const domain = "dns01.pod.test";
    const { service, seen } = await acmeService(domain, "dns-01", { dns: true });
    await expectServedAndTrusted(domain, await waitForAcme(service));
    expect(seen.some((s) => s.progress?.challenge === "dns-01")).toBe(true);
  });

  it("auto: falls back to TLS-ALPN-01 when port 80 does not answer", async () => {
    const domain = "fallback.pod.test";
    const { service, seen } = await acmeService(domain, "auto", { answerHttp: false });
    const status = await waitForAcme(service);
    await expectServedAndTrusted(domain, status);
    const tried = [...new Set(seen.flatMap((s) => (s.progress?.challenge ? [s.progress.challenge] : [])))];
    expect(tried).toEqual(["http-01", "tls-alpn-01"]);
    expect(status.lastError).toBeUndefined();
  });

  it("renews at two thirds of the lifetime and the server serves the new certificate without a restart", async () => {
    const domain = "renew.pod.test";
    const { service, clock } = await acmeService(domain, "http-01");
    const first = await expectServedAndTrusted(domain, await waitForAcme(service));
    const renewAt = service.status().nextRenewal!;
    const life = Date.parse(first.validTo) - Date.parse(first.validFrom);
    expect(renewAt).toBe(Date.parse(first.validFrom) + Math.round((life * 2) / 3));
    const firstPem = service.servedCertificatePem();
    clock.advance(renewAt - clock.now() + 1);
    await waitFor("the renewed certificate", () => service.servedCertificatePem() !== firstPem && service.status().state === "valid", 30_000);
    const second = await expectServedAndTrusted(domain, service.status());
    expect(second.serialNumber).not.toBe(first.serialNumber);
  });

  it("warns 14 days before expiry when renewal keeps failing", async () => {
    const domain = "expiring.pod.test";
    const { service, clock } = await acmeService(domain, "http-01");
    const status = await waitForAcme(service);
    const closedPort = await freePort();
    await service.configure(settingsWith({ domain, certs: { mode: "acme", acme: { directoryUrl: `https://127.0.0.1:${closedPort}/dir`, email: "admin@pod.test", challenge: "http-01" } } }));
    clock.advance(status.certificate!.notAfter - 10 * day - clock.now());
    const expiring = await waitFor("the expiry warning", () => service.status().state === "expiring" && service.status(), 30_000);
    expect(expiring.message).toMatch(/^The certificate expires on \d{4}-\d\d-\d\d and renewal keeps failing: Could not reach the certificate authority/);
    expect(expiring.certificate?.source).toBe("acme");
  });

  it("renews earlier when the CA's renewal information (ARI) suggests a window", async () => {
    const domain = "ari.pod.test";
    const { service, clock } = await acmeService(domain, "http-01");
    const first = await waitForAcme(service);
    const firstPem = service.servedCertificatePem()!;
    // A directory in front of pebble's (2.4 has no ARI) that adds renewalInfo with a window from tomorrow.
    const window = { start: clock.now() + day, end: clock.now() + 2 * day };
    const asked: string[] = [];
    const pebbleHttps = new Agent({ connect: { ca: pebble.listenerCaPem } });
    let base = "";
    const server = createHttpsServer({ cert: pebble.listenerPem.cert, key: pebble.listenerPem.key }, async (req, res) => {
      if (req.url === "/dir") {
        const directory = (await (await request(pebble.directoryUrl, { dispatcher: pebbleHttps })).body.json()) as object;
        return void res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ ...directory, renewalInfo: `${base}/renewal-info` }));
      }
      asked.push(req.url ?? "");
      res.writeHead(200, { "content-type": "application/json", "retry-after": "21600" });
      res.end(JSON.stringify({ suggestedWindow: { start: new Date(window.start).toISOString(), end: new Date(window.end).toISOString() } }));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `https://127.0.0.1:${(server.address() as { port: number }).port}`;
    cleanups.push(async () => {
      await new Promise((resolve) => server.close(resolve));
      await pebbleHttps.close();
    });
    const directoryUrl = `${base}/dir`;
    await service.configure(settingsWith({ domain, certs: { mode: "acme", acme: { directoryUrl, email: "admin@pod.test", challenge: "http-01" } } }));

    const early = await waitFor("the ARI renewal time", () => service.status().nextRenewal! < first.nextRenewal! && service.status(), 10_000);
    expect(early.nextRenewal).toBeGreaterThanOrEqual(window.start);
    expect(early.nextRenewal).toBeLessThanOrEqual(window.end);
    const serial = new X509Certificate(firstPem).serialNumber;
    expect(asked).toHaveLength(1);
    expect(Buffer.from(asked[0]!.split(".")[1]!, "base64url").toString("hex").toUpperCase().replace(/^0+/, "")).toBe(serial.replace(/^0+/, ""));

    clock.advance(early.nextRenewal! - clock.now() + 1);
    await waitFor("the early renewal", () => service.servedCertificatePem() !== firstPem && service.status().state === "valid", 30_000);
    await expectServedAndTrusted(domain, service.status());
  });
});
