import { X509Certificate } from "node:crypto";
import { connect } from "node:tls";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createCertsService } from "../../main/certs/index";
import { notificationsFor } from "../../main/electron/notifications";
import { formatStatus } from "../../main/cli/format";
import { certsRenewDone } from "../../main/cli/outcomes";
import { freePort, startPebble, type Pebble } from "../fixtures/pebble/harness";
import { startResponders } from "../fixtures/pebble/responders";
import { snapshotWith } from "../helpers/snapshot";
import { tempDir, waitFor } from "../helpers/temp";
import { ManualClock, settingsWith, testContext } from "./helpers";

/** A certificate from pebble that lives one hour, then a CA that is gone: renewals fail until the certificate expires. */
const lifetimeSeconds = 3600;
const cleanups: Array<() => Promise<unknown>> = [];
let pebble: Pebble;
let ports: { httpPort: number; tlsPort: number };

beforeAll(async () => {
  ports = { httpPort: await freePort(), tlsPort: await freePort() };
  pebble = await startPebble({ ...ports, validityPeriodSeconds: lifetimeSeconds });
  process.env.NODE_EXTRA_CA_CERTS = pebble.listenerCaFile;
});
afterAll(() => pebble?.stop());
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** The certificate a client gets on the TLS port for a name, whatever its dates. */
function servedFingerprint(port: number, servername: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port, servername, rejectUnauthorized: false }, () => {
      resolve(socket.getPeerX509Certificate()!.fingerprint256);
      socket.destroy();
    });
    socket.once("error", reject);
  });
}

describe("a public certificate that expires while the CA is down", () => {
  it("says 'expired' (not 'expiring') in the status, the CLI and a tray notification, and keeps serving the certificate", async () => {
    const domain = "expires.pod.test";
    const dir = await tempDir("podhost-expiry-");
    cleanups.push(dir.cleanup);
    const clock = new ManualClock(Date.now());
    const service = createCertsService({ ctx: testContext(dir.path, clock), txtRecords: () => undefined, resolveHost: async () => ["127.0.0.1"], publicAddress: async () => "127.0.0.1" });
    const responders = await startResponders(service.source, ports);
    cleanups.push(() => responders.close());
    await service.configure(settingsWith({ domain, certs: { mode: "acme", acme: { directoryUrl: pebble.directoryUrl, email: "", challenge: "http-01" } } }));
    await service.start();
    cleanups.push(() => service.stop());
    const issued = await waitFor("the one-hour certificate", () => service.status().certificate?.source === "acme" && service.status(), 30_000);
    expect(issued.certificate!.notAfter - issued.certificate!.notBefore).toBeLessThanOrEqual(lifetimeSeconds * 1000);
    const servedPem = service.servedCertificatePem();

    await pebble.halt(); // the CA is gone: every renewal from here on fails
    clock.advance(issued.nextRenewal! - clock.now());
    const expiring = await waitFor("the failed renewal", () => service.status().state === "expiring" && service.status(), 30_000);
    expect(expiring.lastError?.code).toBe("ca-unreachable");
    expect(certsRenewDone(expiring)).toBe(false); // `podhost certs renew` exits 1 here: the certificate is still the old one

    // No renewal try falls due before the end (backoff from 1 minute, doubling), yet the status must turn at the expiry itself.
    clock.advance(issued.certificate!.notAfter - clock.now());
    const expired = await waitFor("the expired state", () => service.status().state === "expired" && service.status());
    expect(expired.message).toMatch(new RegExp(`^The certificate for ${domain.replace(/\./g, "\\.")} expired on \\d{4}-\\d\\d-\\d\\d\\. Renewing it keeps failing: Could not reach the certificate authority at 127\\.0\\.0\\.1:\\d+: nothing answers at that address\\. Until a renewal works, podhost keeps serving the expired certificate, and browsers and other pods refuse it\\.$`));
    expect(expired).toMatchObject({ certificate: { source: "acme" }, lastError: { code: "ca-unreachable" }, action: { command: "certs.renew" } });

    // What the proxy serves: still the same certificate (serving nothing would cut off the LAN too).
    expect(service.servedCertificatePem()).toBe(servedPem);
    expect(await servedFingerprint(ports.tlsPort, domain)).toBe(new X509Certificate(servedPem!).fingerprint256);

    // The doctor, the CLI and the tray read this status: "expired" is an error everywhere, and the tray says so once.
    expect(formatStatus(snapshotWith({ certs: expired }))).toMatch(/^✗ Certificate {2}expired {8}The certificate for expires\.pod\.test expired on/m);
    expect(notificationsFor(snapshotWith({ certs: expiring }), snapshotWith({ certs: expired }))).toEqual([{ title: "The pod's certificate has expired", body: expired.message }]);
    expect(notificationsFor(snapshotWith({ certs: expired }), snapshotWith({ certs: expired }))).toEqual([]);
  });
});
