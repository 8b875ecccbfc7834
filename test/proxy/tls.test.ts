import { connect as netConnect } from "node:net";
import { connect as tlsConnect, createSecureContext, createServer as createTlsServer, type Server as TlsServer, type TLSSocket } from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { podName, rawExchange, selfSignedCert, startBackend, startTestProxy, statusOf, TestCertificates, type Backend } from "./fixtures";

const passName = "nas.example.test";

function tlsClient(port: number, servername: string | undefined, options: { ALPNProtocols?: string[] } = {}): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ port, host: "127.0.0.1", ...(servername ? { servername } : {}), rejectUnauthorized: false, ...options }, () => resolve(socket));
    socket.on("error", reject);
  });
}

function request(socket: TLSSocket, text: string): Promise<string> {
  return new Promise((resolve) => {
    let out = "";
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      if (out.endsWith("\r\n0\r\n\r\n")) {
        socket.off("data", onData);
        resolve(out);
      }
    };
    socket.on("data", onData);
    socket.write(text);
  });
}

describe("the TLS port", () => {
  let backend: Backend;
  let certs: TestCertificates;
  let passthroughServer: TlsServer;
  let passthroughPort: number;
  let proxy: Awaited<ReturnType<typeof startTestProxy>>;
  const passCert = selfSignedCert([passName]);

  beforeAll(async () => {
    backend = await startBackend();
    certs = new TestCertificates([podName]);
    passthroughServer = createTlsServer({ ...passCert, ALPNProtocols: ["x-test"] }, (socket) => socket.end("hello from the other machine"));
    await new Promise<void>((resolve) => passthroughServer.listen(0, "127.0.0.1", resolve));
    passthroughPort = (passthroughServer.address() as { port: number }).port;
    proxy = await startTestProxy(certs, { routes: [{ prefix: "", upstream: { host: "127.0.0.1", port: backend.port } }] }, {
      passthrough: [{ name: passName, upstream: { host: "127.0.0.1", port: passthroughPort } }],
    });
  });
  afterAll(async () => {
    await proxy.close();
    await backend.close();
    passthroughServer.close();
  });

  it("passes a configured name through untouched to another TLS server", async () => {
    const socket = await tlsClient(proxy.httpsPort, passName);
    expect(socket.getPeerCertificate().subject.CN).toBe(passName);
    const text = await new Promise<string>((resolve) => {
      let out = "";
      socket.on("data", (c: Buffer) => (out += c.toString()));
      socket.on("end", () => resolve(out));
    });
    expect(text).toBe("hello from the other machine");
  });

  it("terminates other names with the pod's certificate", async () => {
    const socket = await tlsClient(proxy.httpsPort, podName);
    expect(socket.getPeerCertificate().raw.toString("base64")).toBe(certificateBase64(certs.current.cert));
    socket.destroy();
  });

  it("serves the default certificate to a client that sends no server name", async () => {
    const socket = await tlsClient(proxy.httpsPort, undefined);
    expect(socket.getPeerCertificate().subject.CN).toBe(podName);
    socket.destroy();
  });

  it("swaps a renewed certificate live while an existing connection keeps working", async () => {
    const old = await tlsClient(proxy.httpsPort, podName);
    const oldCert = old.getPeerCertificate().fingerprint256;
    expect(await request(old, `GET /1 HTTP/1.1\r\nHost: ${podName}\r\n\r\n`)).toMatch(/^HTTP\/1\.1 200/);
    certs.renew();
    const fresh = await tlsClient(proxy.httpsPort, podName);
    expect(fresh.getPeerCertificate().fingerprint256).not.toBe(oldCert);
    expect(fresh.getPeerCertificate().raw.toString("base64")).toBe(certificateBase64(certs.current.cert));
    expect(await request(old, `GET /2 HTTP/1.1\r\nHost: ${podName}\r\n\r\n`)).toMatch(/^HTTP\/1\.1 200/);
    old.destroy();
    fresh.destroy();
  });

  it("waits for a ClientHello split over many TCP segments", async () => {
    // Capture a real ClientHello (with a long padding extension, like post-quantum key shares) and replay it byte-trickled.
    const hello = await captureClientHello(podName);
    const response = await new Promise<string>((resolve) => {
      const socket = netConnect(proxy.httpsPort, "127.0.0.1", async () => {
        socket.setNoDelay(true);
        for (let at = 0; at < hello.length; at += 100) {
          socket.write(hello.subarray(at, at + 100));
          await new Promise((r) => setImmediate(r));
        }
      });
      let out = Buffer.alloc(0);
      socket.on("data", (c: Buffer) => {
        out = Buffer.concat([out, c]);
        socket.destroy();
        resolve(out.subarray(0, 1).toString("hex"));
      });
      socket.on("error", () => resolve("error"));
    });
    expect(response).toBe("16"); // a TLS handshake record: the ServerHello
  });

  it("closes a connection whose first byte is not a TLS handshake", async () => {
    expect(await rawExchange(proxy.httpsPort, `GET / HTTP/1.1\r\nHost: ${podName}\r\n\r\n`)).toBe("");
  });

  it("rejects a ClientHello record larger than 16 KiB", async () => {
    const header = Buffer.from([0x16, 0x03, 0x01, 0x40, 0x01]); // 16,385 bytes announced
    expect(await rawExchange(proxy.httpsPort, header)).toBe("");
  });

  it("answers an ACME TLS-ALPN-01 probe with the challenge certificate and acme-tls/1", async () => {
    const challenge = selfSignedCert([podName]);
    certs.acme.set(podName, createSecureContext(challenge));
    try {
      const socket = await tlsClient(proxy.httpsPort, podName, { ALPNProtocols: ["acme-tls/1"] });
      expect(socket.alpnProtocol).toBe("acme-tls/1");
      expect(socket.getPeerCertificate().raw.toString("base64")).toBe(certificateBase64(challenge.cert));
      socket.destroy();
    } finally {
      certs.acme.clear();
    }
    const normal = await tlsClient(proxy.httpsPort, podName, { ALPNProtocols: ["http/1.1"] });
    expect(normal.getPeerCertificate().raw.toString("base64")).toBe(certificateBase64(certs.current.cert));
    normal.destroy();
  });

  it("proxies HTTPS requests after the peek", async () => {
    expect(statusOf(await rawExchange(proxy.httpsPort, `GET / HTTP/1.1\r\nHost: ${podName}\r\nConnection: close\r\n\r\n`, { tls: true }))).toBe(200);
  });
});

function certificateBase64(pem: string): string {
  return pem.replace(/-----[A-Z ]+-----/g, "").replace(/\s/g, "");
}

/** The bytes a TLS client sends first, padded past one TCP segment. */
async function captureClientHello(servername: string): Promise<Buffer> {
  const { createServer } = await import("node:net");
  return new Promise((resolve) => {
    const sink = createServer((socket) => {
      socket.once("data", (chunk: Buffer) => {
        resolve(chunk);
        socket.destroy();
        sink.close();
      });
    });
    sink.listen(0, "127.0.0.1", () => {
      const port = (sink.address() as { port: number }).port;
      const client = tlsConnect({ port, host: "127.0.0.1", servername, rejectUnauthorized: false, ALPNProtocols: ["http/1.1", "x".repeat(200), "y".repeat(200), "z".repeat(200), "w".repeat(200)] });
      client.on("error", () => undefined);
    });
  });
}
