/**
 * What the user's server forwards to in these tests: a stand-in for podhost's proxy (HTTPS and
 * HTTP listeners on ephemeral loopback ports) in front of the stand-in pod. main/proxy is not
 * usable yet, so this does the few things of podhost's proxy that the snippets rely on: HTTP
 * answers ACME tokens and discovery paths and redirects the rest (unless a loopback front server
 * says the visitor used https), a route prefix is stripped, and WebSocket upgrades are echoed.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { createServer as createHttpServer, request, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo, Socket } from "node:net";
import { fileURLToPath } from "node:url";
import { waitFor } from "../helpers/temp";
import { freePort } from "./servers";

export interface Backend {
  httpsPort: number;
  httpPort: number;
  acmeToken: string;
  acmeAnswer: string;
  close(): Promise<void>;
}

const standInPod = fileURLToPath(new URL("../fixtures/stand-in-pod/server.mjs", import.meta.url));
const discovery = /^\/(\.well-known\/(webfinger|host-meta|nodeinfo)|nodeinfo\/)/;

/** The stand-in pod (test/fixtures/stand-in-pod) on a free loopback port. */
export async function startStandInPod(domain: string): Promise<{ port: number; close(): Promise<void> }> {
  const port = await freePort();
  const pod: ChildProcess = spawn(process.execPath, [standInPod, "--port", String(port)], { env: { ...process.env, STAND_IN_DOMAIN: domain }, stdio: ["ignore", "pipe", "inherit"] });
  let output = "";
  pod.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  await waitFor("the stand-in pod to listen", () => output.includes("listening on"));
  return {
    port,
    async close() {
      pod.kill("SIGTERM");
      if (pod.exitCode === null && pod.signalCode === null) await once(pod, "exit");
    },
  };
}

export async function startBackend(tls: { cert: string; key: string }, domain: string, prefix = "/pod"): Promise<Backend> {
  const pod = await startStandInPod(domain);
  const podPort = pod.port;

  const acmeToken = "token-for-the-test";
  const acmeAnswer = `${acmeToken}.key-authorization`;
  // Reads the whole body first (like an app would), so an early answer never cuts an upload short.
  const forward = async (req: IncomingMessage, res: ServerResponse) => {
    const path = req.url!.startsWith(`${prefix}/`) ? req.url!.slice(prefix.length) : req.url!;
    const chunks: Buffer[] = [];
    try {
      for await (const chunk of req) chunks.push(chunk as Buffer);
    } catch {
      return; // the front server gave up on this request (e.g. a refused upload)
    }
    // Hop-by-hop, like podhost's proxy: a front server's "Connection: close" must not make the pod
    // close while a large upload is still being written to it.
    const { connection: _connection, "keep-alive": _keepAlive, ...headers } = req.headers;
    const upstream = request({ host: "127.0.0.1", port: podPort, method: req.method, path, headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on("error", () => (res.headersSent ? res.destroy() : res.writeHead(502).end("podhost stand-in: the pod is not answering")));
    upstream.end(Buffer.concat(chunks));
  };
  const onHttp = (req: IncomingMessage, res: ServerResponse) => {
    const url = req.url ?? "/";
    if (url.startsWith("/.well-known/acme-challenge/")) {
      if (url.endsWith(`/${acmeToken}`)) return res.writeHead(200, { "content-type": "text/plain" }).end(acmeAnswer);
      return res.writeHead(404, { "content-type": "text/plain" }).end("podhost: no such ACME challenge");
    }
    const fromLoopbackFront = req.socket.remoteAddress === "127.0.0.1" && req.headers["x-forwarded-proto"] === "https";
    if (discovery.test(url) || fromLoopbackFront) return void forward(req, res);
    res.writeHead(301, { location: `https://${domain}${url}` }).end();
  };
  const echoUpgrade = (_req: IncomingMessage, socket: Socket, head: Buffer) => {
    socket.write("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n");
    if (head.length) socket.write(head);
    socket.pipe(socket);
    socket.on("error", () => socket.destroy());
  };
  const https = createHttpsServer({ cert: tls.cert, key: tls.key }, (req, res) => void forward(req, res)).on("upgrade", echoUpgrade);
  const http = createHttpServer(onHttp).on("upgrade", echoUpgrade);
  const listen = async (server: Server) => {
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    return (server.address() as AddressInfo).port;
  };
  const [httpsPort, httpPort] = [await listen(https), await listen(http)];
  return {
    httpsPort,
    httpPort,
    acmeToken,
    acmeAnswer,
    async close() {
      https.closeAllConnections();
      http.closeAllConnections();
      await Promise.all([new Promise((r) => https.close(r)), new Promise((r) => http.close(r))]);
      await pod.close();
    },
  };
}
