import cluster from "node:cluster";
import { X509Certificate } from "node:crypto";
import { connect as tlsConnect } from "node:tls";
import { afterEach, describe, expect, it } from "vitest";
import type { Pem } from "../../main/proxy/cluster-messages";
import { waitFor } from "../helpers/temp";
import { podName, rawExchange, selfSignedCert, startBackend, startTestProxy, statusOf, TestCertificates, type Backend } from "./fixtures";

/** The test certificates plus the PEMs a multi-process proxy sends its workers. */
class SharedCertificates extends TestCertificates {
  acmePems = new Map<string, Pem>();
  pemFor(servername: string) {
    return this.names.includes(servername) ? this.current : undefined;
  }
  defaultPem() {
    return this.current;
  }
  tlsAlpn01Pem(servername: string) {
    return this.acmePems.get(servername);
  }
}

const get = (path: string) => `GET ${path} HTTP/1.1\r\nHost: ${podName}\r\nConnection: close\r\n\r\n`;

/** The certificate a fresh TLS connection is given. */
function servedCertificate(port: number, alpn?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ port, host: "127.0.0.1", servername: podName, rejectUnauthorized: false, ...(alpn ? { ALPNProtocols: [alpn] } : {}) }, () => {
      resolve(new X509Certificate(socket.getPeerCertificate(true).raw).fingerprint256);
      socket.destroy();
    });
    socket.on("error", reject);
  });
}

const workerPids = () => Object.values(cluster.workers ?? {}).filter((w) => w && !w.isDead()).map((w) => w!.process.pid!);

describe("the proxy in several worker processes", () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function started(certs = new SharedCertificates([podName])) {
    const backend: Backend = await startBackend();
    cleanups.push(() => backend.close());
    const proxy = await startTestProxy(certs, { routes: [{ prefix: "", upstream: { host: "127.0.0.1", port: backend.port } }] }, { workers: 2 });
    cleanups.push(() => proxy.close());
    return { backend, proxy, certs };
  }

  it("serves HTTP and HTTPS from two worker processes and adds up their counters", async () => {
    const { proxy, backend } = await started();
    expect(proxy.workers()).toBe(2);
    expect(workerPids()).toHaveLength(2);
    expect(workerPids()).not.toContain(process.pid);
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => rawExchange(i % 2 ? proxy.httpsPort : proxy.httpPort, get(`/n${i}`), { tls: i % 2 === 1 })));
    expect(answers.map(statusOf)).toEqual(Array(20).fill(200));
    expect(backend.seen).toHaveLength(20);
    await waitFor("both workers' counters", () => proxy.stats().requests === 20);
  });

  it("brings a renewed certificate to every worker without a restart", async () => {
    const { proxy, certs } = await started();
    const before = new X509Certificate(certs.current.cert).fingerprint256;
    expect(await servedCertificate(proxy.httpsPort)).toBe(before);
    certs.renew();
    const after = new X509Certificate(certs.current.cert).fingerprint256;
    expect(after).not.toBe(before);
    // New connections land on either worker: every one of them must show the new certificate.
    await waitFor("the renewed certificate everywhere", async () => (await Promise.all(Array.from({ length: 12 }, () => servedCertificate(proxy.httpsPort)))).every((f) => f === after));
  });

  it("applies new routes in every worker on reload", async () => {
    const { proxy, backend } = await started();
    const other = await startBackend();
    cleanups.push(() => other.close());
    const getOther = (i: number) => `GET /o${i} HTTP/1.1\r\nHost: other.example.test\r\nConnection: close\r\n\r\n`;
    expect(statusOf(await rawExchange(proxy.httpPort, getOther(0)))).toBe(421);
    await proxy.reload({
      hosts: [
        { names: [podName], routes: [{ prefix: "", upstream: { host: "127.0.0.1", port: backend.port } }] },
        { names: ["other.example.test"], routes: [{ prefix: "", upstream: { host: "127.0.0.1", port: other.port } }] },
      ],
      passthrough: [],
    });
    // Reload resolves once every worker has the new table: no connection may see the old one.
    const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => rawExchange(proxy.httpPort, getOther(i))));
    expect(answers.map(statusOf)).toEqual(Array(12).fill(200));
    expect(other.seen).toHaveLength(12);
  });

  it("answers ACME HTTP-01 tokens held by the primary's certificate source", async () => {
    const certs = new SharedCertificates([podName]);
    certs.tokens.set("tok123", "tok123.key-authorization");
    const { proxy } = await started(certs);
    const answer = await rawExchange(proxy.httpPort, get("/.well-known/acme-challenge/tok123"));
    expect(statusOf(answer)).toBe(200);
    expect(answer.endsWith("tok123.key-authorization")).toBe(true);
    expect(statusOf(await rawExchange(proxy.httpPort, get("/.well-known/acme-challenge/unknown")))).toBe(404);
  });

  it("answers an ACME TLS-ALPN-01 probe with the challenge certificate the primary holds", async () => {
    const certs = new SharedCertificates([podName]);
    const challenge = selfSignedCert([podName]);
    certs.acmePems.set(podName, challenge);
    const { proxy } = await started(certs);
    expect(await servedCertificate(proxy.httpsPort, "acme-tls/1")).toBe(new X509Certificate(challenge.cert).fingerprint256);
    expect(await servedCertificate(proxy.httpsPort)).toBe(new X509Certificate(certs.current.cert).fingerprint256);
  });

  it("restarts a worker that dies and keeps serving", async () => {
    const { proxy } = await started();
    const [victim, survivor] = workerPids();
    process.kill(victim!, "SIGKILL");
    const replaced = await waitFor("a replacement worker", () => {
      const pids = workerPids();
      return pids.length === 2 && !pids.includes(victim!) && pids.includes(survivor!) && pids;
    });
    expect(replaced).toHaveLength(2);
    await waitFor("the replacement listening", () => proxy.workers() === 2);
    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => rawExchange(proxy.httpPort, get(`/after${i}`))));
    expect(answers.map(statusOf)).toEqual(Array(10).fill(200));
  });

  it("leaves no process behind when closed", async () => {
    const { proxy } = await started();
    const pids = workerPids();
    expect(pids).toHaveLength(2);
    await proxy.close();
    const alive = (pid: number) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    expect(pids.filter(alive)).toEqual([]);
    expect(statusOf(await rawExchange(proxy.httpPort, get("/")).catch(() => ""))).toBe(0);
  });

  it("reports a port already in use like the in-process proxy does", async () => {
    const { proxy } = await started();
    const clash = startTestProxy(new SharedCertificates([podName]), { routes: [] }, { workers: 2, http: { port: proxy.httpPort, host: "127.0.0.1", redirectToHttps: false } });
    await expect(clash).rejects.toMatchObject({ code: "EADDRINUSE", port: proxy.httpPort });
  });
});
