/**
 * Certificate issuance: the local CA (CA + P-256 leaf) against the same work done by the
 * openssl CLI in the same run, and a whole ACME order against pebble (PEBBLE_VA_NOSLEEP=1).
 */
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { issueAcmeCertificate } from "../main/certs/acme-issuer";
import { generateKeyPair } from "../main/certs/keys";
import { issueServerCertificate, loadOrCreateLocalCa } from "../main/certs/local-ca";
import { CertificateStore } from "../main/certs/source";
import { defaultSettings } from "../shared/settings";
import { freePort, startPebble } from "../test/fixtures/pebble/harness";
import { startResponders } from "../test/fixtures/pebble/responders";
import { tempDir } from "../test/helpers/temp";
import { requireTool } from "../test/helpers/tools";
import type { BenchResult } from "./types";

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function timed(runs: number, fn: (i: number) => Promise<unknown> | unknown): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await fn(i);
    times.push(performance.now() - start);
  }
  return median(times);
}

async function localIssuance(): Promise<BenchResult[]> {
  const dir = await tempDir("podhost-bench-certs-");
  try {
    const names = ["pod.example.org", "localhost"];
    await loadOrCreateLocalCa(join(dir.path, "warmup"), names, Date.now()); // JIT and WebCrypto warm-up
    const ours = await timed(20, async (i) => {
      const { ca } = await loadOrCreateLocalCa(join(dir.path, `ca-${i}`), names, Date.now());
      await issueServerCertificate(ca, { dnsNames: names, ips: ["127.0.0.1"], keyType: "ecdsa", now: Date.now() });
    });
    const openssl = requireTool("openssl");
    const f = (name: string, i: number) => join(dir.path, `openssl-${name}-${i}.pem`);
    const yardstick = await timed(10, (i) => {
      writeFileSync(f("ext", i), "subjectAltName=DNS:pod.example.org,DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n");
      execFileSync(openssl, ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", f("ca-key", i), "-out", f("ca", i), "-days", "3650", "-subj", "/CN=bench CA"], { stdio: "ignore" });
      execFileSync(openssl, ["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", f("key", i), "-out", f("csr", i), "-subj", "/CN=pod.example.org"], { stdio: "ignore" });
      execFileSync(openssl, ["x509", "-req", "-in", f("csr", i), "-CA", f("ca", i), "-CAkey", f("ca-key", i), "-CAcreateserial", "-days", "397", "-extfile", f("ext", i), "-out", f("leaf", i)], { stdio: "ignore" });
    });
    const { ca } = await loadOrCreateLocalCa(join(dir.path, "leaf-only"), names, Date.now());
    const leafOnly = await timed(20, () => issueServerCertificate(ca, { dnsNames: names, ips: ["127.0.0.1"], keyType: "ecdsa", now: Date.now() }));
    const rsaLeaf = await timed(5, () => issueServerCertificate(ca, { dnsNames: names, ips: ["127.0.0.1"], keyType: "rsa", now: Date.now() }));
    return [
      { name: "local CA + P-256 leaf (incl. 0600 writes)", unit: "ms", value: ours, yardstick: { name: "openssl req -x509 + req + x509 -req", value: yardstick }, goal: "<= 50 ms", met: ours <= 50 },
      { name: "P-256 leaf from an existing local CA", unit: "ms", value: leafOnly, goal: "<= 50 ms", met: leafOnly <= 50 },
      { name: "RSA-2048 leaf from an existing local CA", unit: "ms", value: rsaLeaf, goal: "informational", met: true },
    ];
  } finally {
    await dir.cleanup();
  }
}

async function acmeIssuance(orders = 5): Promise<BenchResult> {
  const ports = { httpPort: await freePort(), tlsPort: await freePort() };
  const pebble = await startPebble(ports);
  const store = new CertificateStore();
  const responders = await startResponders(store.source, ports);
  const previousCa = process.env.NODE_EXTRA_CA_CERTS;
  process.env.NODE_EXTRA_CA_CERTS = pebble.listenerCaFile;
  try {
    const accountKeyPem = (await generateKeyPair("ecdsa")).pem;
    const acme = { ...defaultSettings().certs.acme, directoryUrl: pebble.directoryUrl, challenge: "http-01" as const };
    const value = await timed(orders, (i) =>
      issueAcmeCertificate({
        names: [`bench${i}.pod.test`],
        acme,
        keyType: "ecdsa",
        accountKeyPem,
        responders: { setHttp01: (t, k) => store.setHttp01(t, k), setTlsAlpn01: (n, c) => store.setTlsAlpn01(n, c), dns01: undefined },
        resolveHost: (name) => pebble.resolveHost(name),
        onProgress: () => undefined,
      }),
    );
    return { name: "ACME order against pebble (HTTP-01, NOSLEEP), median of 5", unit: "ms", value, goal: "<= 3000 ms", met: value <= 3000 };
  } finally {
    if (previousCa === undefined) delete process.env.NODE_EXTRA_CA_CERTS;
    else process.env.NODE_EXTRA_CA_CERTS = previousCa;
    await responders.close();
    await pebble.stop();
  }
}

export async function run(): Promise<BenchResult[]> {
  return [...(await localIssuance()), await acmeIssuance()];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const result of await run()) {
    const ratio = result.yardstick ? ` (yardstick ${result.yardstick.name}: ${result.yardstick.value.toFixed(1)} ${result.unit}, ratio ${(result.value / result.yardstick.value).toFixed(2)}x)` : "";
    console.log(`${result.met ? "MET " : "MISS"} ${result.name}: ${result.value.toFixed(1)} ${result.unit}${ratio}; goal ${result.goal}`);
  }
}
