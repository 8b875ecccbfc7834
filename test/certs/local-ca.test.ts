import { execFileSync, spawnSync } from "node:child_process";
import { createPrivateKey, X509Certificate } from "node:crypto";
import { readdir, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createCertsService, type CertsService } from "../../main/certs/index";
import { generateKeyPair } from "../../main/certs/keys";
import { issueServerCertificate, loadOrCreateLocalCa } from "../../main/certs/local-ca";
import { startResponders, type Responders } from "../fixtures/pebble/responders";
import { tempDir, waitFor } from "../helpers/temp";
import { requireTool } from "../helpers/tools";
import { connectTls, echo, ManualClock, settingsWith, testContext } from "./helpers";

const day = 24 * 60 * 60 * 1000;
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function startService(options: { keyType?: "ecdsa" | "rsa"; clock?: ManualClock } = {}) {
  const dir = await tempDir("podhost-certs-");
  cleanups.push(dir.cleanup);
  const clock = options.clock ?? new ManualClock(Date.now());
  const service = createCertsService({ ctx: testContext(dir.path, clock), txtRecords: () => undefined, lanAddresses: () => ["127.0.0.1", "192.168.1.20"] });
  await service.configure(settingsWith({ domain: "pod.example.org", certs: { aliases: ["www.pod.example.org"], ...(options.keyType ? { keyType: options.keyType } : {}) } }));
  await service.start();
  cleanups.push(() => service.stop());
  return { service, dir: dir.path, clock };
}

async function opensslVerify(dir: string, caPem: string, leafPem: string) {
  const openssl = requireTool("openssl");
  await writeFile(join(dir, "ca-check.pem"), caPem);
  await writeFile(join(dir, "leaf-check.pem"), leafPem);
  return spawnSync(openssl, ["verify", "-purpose", "sslserver", "-CAfile", join(dir, "ca-check.pem"), join(dir, "leaf-check.pem")], { encoding: "utf8" });
}

async function serve(service: CertsService): Promise<Responders> {
  const responders = await startResponders(service.source);
  cleanups.push(() => responders.close());
  return responders;
}

describe("local CA", () => {
  for (const keyType of ["ecdsa", "rsa"] as const) {
    it(`issues a ${keyType} server certificate that openssl verifies for sslserver against the CA`, async () => {
      const { service, dir } = await startService({ keyType });
      const result = await opensslVerify(dir, await service.caCertificatePem(), service.servedCertificatePem()!);
      expect(result.stdout + result.stderr).toContain(": OK");
      expect(result.status).toBe(0);
    });
  }

  it("puts the domain, aliases, localhost and LAN IPs in the SAN, with serverAuth, CA:FALSE, P-256 and at most 398 days", async () => {
    const { service } = await startService();
    const cert = new X509Certificate(service.servedCertificatePem()!);
    expect(cert.subjectAltName?.split(", ").sort()).toEqual(["DNS:localhost", "DNS:pod.example.org", "DNS:www.pod.example.org", "IP Address:127.0.0.1", "IP Address:192.168.1.20"]);
    expect(cert.keyUsage).toEqual(["1.3.6.1.5.5.7.3.1"]);
    expect(cert.ca).toBe(false);
    expect(cert.publicKey.asymmetricKeyType).toBe("ec");
    expect(cert.publicKey.asymmetricKeyDetails?.namedCurve).toBe("prime256v1");
    expect(Date.parse(cert.validTo) - Date.parse(cert.validFrom)).toBeLessThanOrEqual(398 * day);
    expect(cert.checkIssued(new X509Certificate(await service.caCertificatePem()))).toBe(true);
    expect(cert.checkIssued(new X509Certificate(await service.caCertificateDer()))).toBe(true);
    const text = execFileSync(requireTool("openssl"), ["x509", "-noout", "-text"], { input: service.servedCertificatePem()!, encoding: "utf8" });
    expect(text).toMatch(/Signature Algorithm: ecdsa-with-SHA256/);
    expect(text).toMatch(/Key Usage: critical\s+Digital Signature\s/);
    const status = service.status();
    expect(status).toMatchObject({ state: "valid", mode: "local", certificate: { source: "local", keyType: "ecdsa", notAfter: Date.parse(cert.validTo) } });
    expect(status.certificate?.issuer).toMatch(/^podhost local CA for pod.example.org/);
    const life = Date.parse(cert.validTo) - Date.parse(cert.validFrom);
    expect(status.nextRenewal).toBe(Date.parse(cert.validFrom) + Math.round((life * 2) / 3));
  });

  it("uses RSA-2048 with keyEncipherment when asked", async () => {
    const { service } = await startService({ keyType: "rsa" });
    const cert = new X509Certificate(service.servedCertificatePem()!);
    expect(cert.publicKey.asymmetricKeyType).toBe("rsa");
    expect(cert.publicKey.asymmetricKeyDetails?.modulusLength).toBe(2048);
    const text = execFileSync(requireTool("openssl"), ["x509", "-noout", "-text"], { input: service.servedCertificatePem()!, encoding: "utf8" });
    expect(text).toMatch(/Digital Signature, Key Encipherment/);
  });

  it("is name-constrained: a certificate its key signs for another name fails openssl verify", async () => {
    const { dir } = await startService();
    const { ca } = await loadOrCreateLocalCa(join(dir, "certs", "ca"), ["pod.example.org", "localhost"], Date.now());
    const rogue = await issueServerCertificate(ca, { dnsNames: ["bank.example.com"], ips: [], keyType: "ecdsa", now: Date.now() });
    const rogueResult = await opensslVerify(dir, ca.certPem, rogue.certPem);
    expect(rogueResult.status).not.toBe(0);
    expect(rogueResult.stdout + rogueResult.stderr).toMatch(/permitted subtree violation/);
    const publicIp = await issueServerCertificate(ca, { dnsNames: ["pod.example.org"], ips: ["8.8.8.8"], keyType: "ecdsa", now: Date.now() });
    expect((await opensslVerify(dir, ca.certPem, publicIp.certPem)).status).not.toBe(0);
  });

  it("keeps every file it writes (CA key included) at mode 0600", async () => {
    const { dir } = await startService();
    const root = join(dir, "certs");
    const files: string[] = [];
    const walk = async (path: string): Promise<void> => {
      for (const entry of await readdir(path, { withFileTypes: true })) {
        if (entry.isDirectory()) await walk(join(path, entry.name));
        else files.push(join(path, entry.name));
      }
    };
    await walk(root);
    expect(files.map((f) => f.slice(root.length + 1)).sort()).toEqual(["ca/ca-key.pem", "ca/ca.json", "ca/ca.pem", "local/cert.pem", "local/key.pem"]);
    for (const file of files) expect(((await stat(file)).mode & 0o777).toString(8), file).toBe("600");
  });

  it("serves through the CertificateSource to a TLS client that trusts only the CA, by name and by LAN IP", async () => {
    const { service } = await startService();
    const { tlsPort } = await serve(service);
    const ca = await service.caCertificatePem();
    for (const name of ["pod.example.org", "www.pod.example.org", "localhost"]) {
      const socket = await connectTls(tlsPort, name, ca);
      expect(socket.authorized).toBe(true);
      expect(await echo(socket, "ping")).toBe("ping");
      socket.destroy();
    }
    expect(service.source.contextFor("bank.example.com")).toBeUndefined();
    expect(service.source.contextFor("192.168.1.20")).toBe(service.source.defaultContext());
    const socket = await connectTls(tlsPort, "localhost", ca);
    expect(new X509Certificate(socket.getPeerX509Certificate()!.raw).checkIP("192.168.1.20")).toBe("192.168.1.20");
    socket.destroy();
    await expect(connectTls(tlsPort, "localhost", (await tempCa()).certPem)).rejects.toThrow(/certificate/);
  });

  it("offers the served certificates as PEM too, for the proxy's worker processes", async () => {
    const { service } = await startService();
    const pem = service.source.pemFor?.("pod.example.org");
    expect(pem?.cert).toBe(service.servedCertificatePem());
    expect(new X509Certificate(pem!.cert).checkPrivateKey(createPrivateKey(pem!.key))).toBe(true);
    expect(service.source.defaultPem?.()).toEqual(pem);
    expect(service.source.pemFor?.("bank.example.com")).toBeUndefined();
  });

  it("creates one CA when asked for it twice at once before it exists", async () => {
    const dir = await tempDir("podhost-certs-");
    cleanups.push(dir.cleanup);
    const service = createCertsService({ ctx: testContext(dir.path, new ManualClock(Date.now())), txtRecords: () => undefined, lanAddresses: () => ["127.0.0.1"] });
    await service.configure(settingsWith({ domain: "pod.example.org" }));
    const [pem, der] = await Promise.all([service.caCertificatePem(), service.caCertificateDer()]);
    expect(new X509Certificate(der).fingerprint256).toBe(new X509Certificate(pem).fingerprint256);
    expect(await service.caCertificatePem()).toBe(pem);
  });

  it("keeps the CA and certificate across restarts", async () => {
    const { service, dir, clock } = await startService();
    const before = { ca: await service.caCertificatePem(), leaf: service.servedCertificatePem() };
    await service.stop();
    const again = createCertsService({ ctx: testContext(dir, clock), txtRecords: () => undefined, lanAddresses: () => ["127.0.0.1", "192.168.1.20"] });
    await again.configure(settingsWith({ domain: "pod.example.org", certs: { aliases: ["www.pod.example.org"] } }));
    await again.start();
    cleanups.push(() => again.stop());
    expect(await again.caCertificatePem()).toBe(before.ca);
    expect(again.servedCertificatePem()).toBe(before.leaf);
  });

  it("makes a new CA when its key file does not match its certificate (a crash while replacing it)", async () => {
    const { service, dir, clock } = await startService();
    const oldCa = await service.caCertificatePem();
    await service.stop();
    await writeFile(join(dir, "certs", "ca", "ca-key.pem"), (await generateKeyPair("ecdsa")).pem, { mode: 0o600 });
    const again = createCertsService({ ctx: testContext(dir, clock), txtRecords: () => undefined, lanAddresses: () => ["127.0.0.1"] });
    await again.configure(settingsWith({ domain: "pod.example.org" }));
    await again.start();
    cleanups.push(() => again.stop());
    const newCa = await again.caCertificatePem();
    expect(newCa).not.toBe(oldCa);
    const result = await opensslVerify(dir, newCa, again.servedCertificatePem()!);
    expect(result.status).toBe(0);
  });

  it("makes a new CA when the domain changes, since the old one's constraints cannot vouch for the new name", async () => {
    const { service } = await startService();
    const oldCa = await service.caCertificatePem();
    await service.configure(settingsWith({ domain: "other.example.net" }));
    const newCa = await service.caCertificatePem();
    expect(newCa).not.toBe(oldCa);
    expect(new X509Certificate(service.servedCertificatePem()!).checkHost("other.example.net")).toBe("other.example.net");
    expect(new X509Certificate(service.servedCertificatePem()!).checkIssued(new X509Certificate(newCa))).toBe(true);
  });

  it("renews at two thirds of the lifetime and the running server serves the new certificate while an open connection keeps working", async () => {
    // Start the clock 300 days back, so both certificates are valid for a real TLS client today.
    const clock = new ManualClock(Date.now() - 300 * day);
    const { service } = await startService({ clock });
    const { tlsPort } = await serve(service);
    const ca = await service.caCertificatePem();
    const first = await connectTls(tlsPort, "pod.example.org", ca);
    const firstSerial = first.getPeerCertificate().serialNumber;
    let renewed = 0;
    let changes = 0;
    service.source.onRenewed(() => renewed++);
    service.onChange(() => changes++);

    clock.advance(200 * day);
    await waitFor("the check at 200 days", () => changes > 0);
    expect(renewed).toBe(0);
    clock.advance(70 * day);
    await waitFor("the renewal", () => renewed > 0);

    const second = await connectTls(tlsPort, "pod.example.org", ca);
    expect(second.authorized).toBe(true);
    expect(second.getPeerCertificate().serialNumber).not.toBe(firstSerial);
    expect(await echo(first, "still here")).toBe("still here");
    expect(service.status().nextRenewal).toBeGreaterThan(clock.now());
    first.destroy();
    second.destroy();
  });
});

async function tempCa() {
  const dir = await tempDir("podhost-other-ca-");
  cleanups.push(dir.cleanup);
  return (await loadOrCreateLocalCa(dir.path, ["localhost"], Date.now())).ca;
}
