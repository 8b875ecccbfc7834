import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { createServer as createTlsServer } from "node:tls";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createCertsService } from "../../main/certs/index";
import { backoffDelay } from "../../main/certs/schedule";
import type { ChallengeType } from "../../shared/certs";
import { freePort, startPebble, type Pebble } from "../fixtures/pebble/harness";
import { tempDir, waitFor } from "../helpers/temp";
import { ManualClock, settingsWith, testContext } from "./helpers";

const minute = 60 * 1000;
const cleanups: Array<() => Promise<unknown>> = [];
let pebble: Pebble;
let pebblePorts: { httpPort: number; tlsPort: number };

beforeAll(async () => {
  // Nothing listens on pebble's HTTP-01 and TLS-ALPN-01 ports: the "ports not forwarded" cases.
  pebblePorts = { httpPort: await freePort(), tlsPort: await freePort() };
  pebble = await startPebble(pebblePorts);
  process.env.NODE_EXTRA_CA_CERTS = pebble.listenerCaFile;
});
afterAll(() => pebble?.stop());
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function failingService(directoryUrl: string, options: { challenge?: ChallengeType; publicAddress?: string } = {}) {
  const { path: dir, cleanup } = await tempDir("podhost-acme-fail-");
  cleanups.push(cleanup);
  const clock = new ManualClock(Date.now());
  const service = createCertsService({
    ctx: testContext(dir, clock),
    txtRecords: () => undefined,
    resolveHost: (name) => pebble.resolveHost(name),
    publicAddress: async () => options.publicAddress ?? "127.0.0.1",
  });
  await service.configure(settingsWith({ domain: "unlucky.pod.test", certs: { mode: "acme", acme: { directoryUrl, email: "", challenge: options.challenge ?? "http-01" } } }));
  await service.start();
  cleanups.push(() => service.stop());
  const failed = await waitFor("the failure", () => service.status().state === "failed" && service.status(), 30_000);
  return { service, clock, failed, dir };
}

/** An HTTPS stand-in on loopback, trusted as pebble's listener is (ACME is HTTPS only). */
async function httpsStandIn(handler: (req: IncomingMessage, res: ServerResponse, base: string) => void) {
  const server = createHttpsServer({ cert: pebble.listenerPem.cert, key: pebble.listenerPem.key }, (req, res) => handler(req, res, `https://${req.headers.host}`));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  cleanups.push(() => new Promise((resolve) => server.close(resolve)));
  return `https://127.0.0.1:${(server.address() as { port: number }).port}`;
}

/** A CA that answers every account request with 429 rateLimited and Retry-After. */
async function rateLimitingCa(retryAfterSeconds: number) {
  let accountRequests = 0;
  const base = await httpsStandIn((req, res, base) => {
    if (req.url === "/dir") return void res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ newNonce: `${base}/nonce`, newAccount: `${base}/account`, newOrder: `${base}/order` }));
    if (req.url === "/nonce") return void res.writeHead(200, { "replay-nonce": `nonce-${Date.now()}` }).end();
    accountRequests++;
    req.resume();
    res.writeHead(429, { "content-type": "application/problem+json", "retry-after": String(retryAfterSeconds), "replay-nonce": "n2" });
    res.end(JSON.stringify({ type: "urn:ietf:params:acme:error:rateLimited", detail: "too many new registrations from this IP", status: 429 }));
  });
  return { url: `${base}/dir`, requests: () => accountRequests };
}

describe("ACME failures, in plain words with the next try", () => {
  it("challenge port unreachable: says port 80 is not reachable, suggests TLS-ALPN or DNS, and backs off exponentially", async () => {
    const { service, failed } = await failingService(pebble.directoryUrl);
    expect(failed.lastError?.code).toBe("http-01-failed");
    expect(failed.message).toMatch(/^Port 80 is not reachable from the internet for unlucky\.pod\.test: the connection was refused \(nothing listens there, or the router does not forward the port\)\. \(CA: .*connection refused\)$/);
    expect(failed.lastError?.fix).toMatch(/try TLS-ALPN \(port 443\) or DNS validation/);
    expect(failed.lastError?.fix).toMatch(/Next try in 1 minute \(at \d{4}-\d\d-\d\d \d\d:\d\d UTC\)\.$/);
    expect(failed.nextAttempt).toBe(failed.lastError!.at + minute);
    expect(failed.action).toMatchObject({ command: "certs.renew", page: "settings/certificates" });
    const again = await service.renewNow();
    expect(again.nextAttempt).toBe(again.lastError!.at + 2 * minute);
    expect(again.certificate?.source).toBe("local");
  });

  it("TLS-ALPN-01 port that nobody forwards: says port 443 is not reachable from the internet, not that another TLS server holds it", async () => {
    const { failed } = await failingService(pebble.directoryUrl, { challenge: "tls-alpn-01" });
    expect(failed.lastError?.code).toBe("tls-alpn-01-failed");
    expect(failed.message).toMatch(/^Port 443 is not reachable from the internet for unlucky\.pod\.test: nothing answered \(the router does not forward the port, or nothing listens there\)\. \(CA: Failed to connect to 127\.0\.0\.1:\d+ for the tls-alpn-01 challenge\)$/);
    expect(failed.message).not.toMatch(/another TLS server/);
    expect(failed.lastError?.fix).toMatch(/^Check that your router forwards port 443 to this computer/);
  });

  it("TLS-ALPN-01 answered by a TLS server that is not podhost: says the port answered, but not with the challenge", async () => {
    // Another TLS server on the port that ignores ALPN (as nginx or Apache holding 443 do): the handshake works, acme-tls/1 is not spoken.
    const other = createTlsServer({ cert: pebble.listenerPem.cert, key: pebble.listenerPem.key }, (socket) => socket.end());
    await new Promise<void>((resolve) => other.listen(pebblePorts.tlsPort, "127.0.0.1", resolve));
    cleanups.push(() => new Promise((resolve) => other.close(resolve)));
    const { failed } = await failingService(pebble.directoryUrl, { challenge: "tls-alpn-01" });
    expect(failed.message).toMatch(/^Port 443 answered for unlucky\.pod\.test, but not with podhost's challenge: the TLS answer was not the challenge certificate \(is another TLS server on this port\?\)/);
  });

  it("CA unreachable: names the CA and the reason, tries again in a minute, and at once when the user changes the setting", async () => {
    const port = await freePort();
    const { service, failed } = await failingService(`https://127.0.0.1:${port}/dir`);
    expect(failed.lastError).toMatchObject({ code: "ca-unreachable", field: "certs.acme.directoryUrl" });
    expect(failed.message).toBe(`Could not reach the certificate authority at 127.0.0.1:${port}: nothing answers at that address.`);
    expect(failed.nextAttempt).toBe(failed.lastError!.at + minute);
    const ca = await rateLimitingCa(60);
    await service.configure(settingsWith({ domain: "unlucky.pod.test", certs: { mode: "acme", acme: { directoryUrl: ca.url, email: "", challenge: "http-01" } } }));
    await waitFor("the attempt with the new setting", () => service.status().lastError?.code === "rate-limited");
    expect(ca.requests()).toBe(1);
  });

  it("a setting fixed while the pod is stopped is tried at the next start, not after the old wait", async () => {
    const port = await freePort();
    const { service, failed } = await failingService(`https://127.0.0.1:${port}/dir`);
    expect(failed.nextAttempt).toBeGreaterThan(Date.now());
    await service.stop();
    const ca = await rateLimitingCa(60);
    await service.configure(settingsWith({ domain: "unlucky.pod.test", certs: { mode: "acme", acme: { directoryUrl: ca.url, email: "", challenge: "http-01" } } }));
    await service.start();
    await waitFor("the attempt with the fixed setting", () => ca.requests() === 1);
  });

  it("rate limit: waits exactly as long as Retry-After says, then tries again", async () => {
    const ca = await rateLimitingCa(3600);
    const { service, clock, failed } = await failingService(ca.url);
    expect(failed.lastError?.code).toBe("rate-limited");
    expect(failed.message).toBe("The certificate authority is limiting requests for now: too many new registrations from this IP");
    expect(failed.lastError?.fix).toMatch(/Next try in 60 minutes/);
    expect(failed.nextAttempt).toBe(failed.lastError!.at + 3600 * 1000);
    expect(ca.requests()).toBe(1);
    clock.advance(failed.nextAttempt! - clock.now() - minute);
    await new Promise((resolve) => setImmediate(resolve));
    expect(ca.requests()).toBe(1);
    clock.advance(minute);
    await waitFor("the retry", () => ca.requests() === 2);
    await waitFor("the second failure", () => service.status().lastError!.at > failed.lastError!.at && service.status());
  });

  it("remembers the wait across a restart, so a restart loop cannot hammer the CA", async () => {
    const ca = await rateLimitingCa(3600);
    const { service, clock, failed, dir } = await failingService(ca.url);
    await service.stop();
    const again = createCertsService({ ctx: testContext(dir, clock), txtRecords: () => undefined, resolveHost: (name) => pebble.resolveHost(name) });
    await again.configure(settingsWith({ domain: "unlucky.pod.test", certs: { mode: "acme", acme: { directoryUrl: ca.url, email: "", challenge: "http-01" } } }));
    await again.start();
    cleanups.push(() => again.stop());
    expect(again.status()).toMatchObject({ state: "failed", nextAttempt: failed.nextAttempt, lastError: { code: "rate-limited" } });
    expect(ca.requests()).toBe(1);
  });

  it("preflight: refuses to ask the CA when the domain points somewhere else", async () => {
    const port = await freePort();
    const { failed } = await failingService(`https://127.0.0.1:${port}/dir`, { publicAddress: "192.0.2.10" });
    expect(failed.lastError).toMatchObject({ code: "domain-elsewhere", field: "domain" });
    expect(failed.message).toBe("unlucky.pod.test points to 127.0.0.1, but this network's public address is 192.0.2.10.");
  });

  it("DNS-01 without a DNS provider that can set TXT records says what to set up", async () => {
    const { failed } = await failingService(pebble.directoryUrl, { challenge: "dns-01" });
    expect(failed.lastError).toMatchObject({ code: "dns01-unavailable", field: "certs.acme.challenge" });
    expect(failed.lastError?.fix).toMatch(/Settings > Domain & DNS/);
  });

  it("sends nothing to a plain-http address that a directory hands out (RFC 8555: HTTPS only), and says which setting to fix", async () => {
    let plainRequests = 0;
    const plain = createServer((_req, res) => {
      plainRequests++;
      res.end();
    });
    await new Promise<void>((resolve) => plain.listen(0, "127.0.0.1", resolve));
    cleanups.push(() => new Promise((resolve) => plain.close(resolve)));
    const plainBase = `http://127.0.0.1:${(plain.address() as { port: number }).port}`;
    const base = await httpsStandIn((_req, res) => void res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ newNonce: `${plainBase}/nonce`, newAccount: `${plainBase}/account`, newOrder: `${plainBase}/order` })));
    const { failed } = await failingService(`${base}/dir`);
    expect(failed.lastError).toMatchObject({ code: "acme-not-https", field: "certs.acme.directoryUrl" });
    expect(failed.message).toBe(`The certificate authority gave the address ${plainBase}/nonce, which is not https://; ACME works over HTTPS only, so podhost did not send anything there.`);
    expect(plainRequests).toBe(0);
  });

  it("backs off 1, 2, 4 ... minutes and never longer than a day", () => {
    expect([1, 2, 3, 4].map(backoffDelay)).toEqual([minute, 2 * minute, 4 * minute, 8 * minute]);
    expect(backoffDelay(30)).toBe(24 * 60 * minute);
  });
});
