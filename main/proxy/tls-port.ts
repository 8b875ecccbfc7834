import { createServer, type Server } from "node:net";
import type { SecureContext } from "node:tls";
import { createServer as createTlsServer, type Server as TlsServer } from "node:tls";
import type { PassthroughRoute } from "./config";
import { isHandshakeRecord, maxRecordBytes, parseClientHello, recordHeaderBytes } from "./client-hello";
import { openTunnel, type TunnelLimits } from "./tunnel";

export interface TlsPortOptions {
  /** The HTTPS server that terminates TLS for every name not passed through. */
  terminator: TlsServer;
  passthrough: () => Map<string, PassthroughRoute>;
  /** ACME TLS-ALPN-01: the challenge context for a name while its challenge is pending. */
  acmeContext: (servername: string) => SecureContext | undefined | Promise<SecureContext | undefined>;
  helloTimeoutMs: number;
  tunnelLimits: TunnelLimits;
}

/**
 * The TLS port: reads the whole first ClientHello record (it can span several TCP segments),
 * then passes the connection through untouched, answers an ACME TLS-ALPN-01 probe, or hands
 * the socket, hello included, to the HTTPS server.
 */
export function createTlsPort(options: TlsPortOptions): Server {
  const acmeContext = (name: string, done: (error: Error | null, context?: SecureContext) => void) => {
    const context = options.acmeContext(name);
    if (context instanceof Promise) context.then((found) => done(null, found), done);
    else done(null, context);
  };
  const acme = createTlsServer({ ALPNProtocols: ["acme-tls/1"], SNICallback: acmeContext }, (socket) => socket.end());
  acme.on("tlsClientError", (_error, socket) => socket.destroy());

  return createServer({ noDelay: true }, (socket) => {
    socket.on("error", () => socket.destroy());
    socket.setTimeout(options.helloTimeoutMs, () => socket.destroy());
    const chunks: Buffer[] = [];
    let received = 0;
    const onData = (chunk: Buffer) => {
      chunks.push(chunk);
      received += chunk.length;
      const head = chunks.length === 1 ? chunk : Buffer.concat(chunks);
      if (!isHandshakeRecord(head[0]!)) return socket.destroy();
      if (received < recordHeaderBytes) return;
      const recordBytes = head.readUInt16BE(3);
      if (recordBytes > maxRecordBytes) return socket.destroy();
      if (received < recordHeaderBytes + recordBytes) return;
      socket.removeListener("data", onData);
      socket.pause();
      socket.setTimeout(0);
      const hello = parseClientHello(head.subarray(recordHeaderBytes, recordHeaderBytes + recordBytes));
      const route = hello.servername === undefined ? undefined : options.passthrough().get(hello.servername);
      if (route) return openTunnel(socket, route.upstream, [head], options.tunnelLimits, () => socket.destroy());
      socket.unshift(head);
      if (!hello.alpn.includes("acme-tls/1") || hello.servername === undefined) return void options.terminator.emit("connection", socket);
      // Only an ACME validator offers acme-tls/1: answer it with the challenge certificate while one is pending.
      acmeContext(hello.servername, (_error, context) => (context ? acme : options.terminator).emit("connection", socket));
    };
    socket.on("data", onData);
  });
}
