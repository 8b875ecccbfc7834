/**
 * A deliberately broken reverse proxy, for testing the harness itself: it writes its forwarding
 * headers first as nginx does, but removes every header the client names in Connection,
 * Content-Length included, and then passes the rest of the client's bytes on raw. That is issue
 * 13's class 1 hole: the harness must catch it. Like a pooling proxy, it keeps one upstream
 * connection and sends every client's requests on it, so a smuggled prefix waits there for the
 * next visitor.
 */
import { connect, createServer, type Server, type Socket } from "node:net";
import type { StartSubject } from "./peers";

/** The one upstream connection of a listener, and the client its answers go to. */
interface Shared {
  upstream?: Socket;
  client?: Socket;
}

function upstreamOf(shared: Shared, port: number): Socket {
  if (shared.upstream && !shared.upstream.destroyed) return shared.upstream;
  const upstream = connect(port, "127.0.0.1");
  upstream.on("data", (chunk: Buffer) => shared.client?.write(chunk));
  upstream.on("error", () => upstream.destroy());
  shared.upstream = upstream;
  return upstream;
}

function forward(client: Socket, upstreamPort: number, shared: Shared): void {
  let head = "";
  let upstream: Socket | undefined;
  client.on("error", () => client.destroy());
  client.on("end", () => client.end());
  client.on("data", (chunk: Buffer) => {
    if (upstream) return void upstream.write(chunk);
    head += chunk.toString("latin1");
    const end = head.indexOf("\r\n\r\n");
    if (end < 0) return;
    const [line, ...fields] = head.slice(0, end).split("\r\n");
    const named = new Set(fields.filter((f) => /^connection:/i.test(f)).flatMap((f) => f.slice(11).split(",").map((n) => n.trim().toLowerCase())));
    const kept = fields.filter((f) => {
      const name = f.slice(0, f.indexOf(":")).toLowerCase();
      return !named.has(name) && name !== "connection" && name !== "host" && !name.startsWith("x-forwarded-") && name !== "x-real-ip" && name !== "forwarded";
    });
    const host = fields.find((f) => /^host:/i.test(f))?.slice(5).trim() ?? "";
    const own = [`Host: ${host}`, "X-Forwarded-For: 127.0.0.1", "X-Real-IP: 127.0.0.1", "X-Forwarded-Proto: http", `X-Forwarded-Host: ${host}`, "X-Forwarded-Port: 80", `Forwarded: for=127.0.0.1;host="${host}";proto=http`];
    shared.client = client;
    upstream = upstreamOf(shared, upstreamPort);
    upstream.write(`${[line, ...own, ...kept].join("\r\n")}\r\n\r\n`, "latin1");
    upstream.write(head.slice(end + 4), "latin1");
  });
}

export const startToyProxy: StartSubject = async (recorders) => {
  const servers: Server[] = [];
  const ports: { http: number; https: number }[] = [];
  for (const recorder of recorders) {
    const shared: Shared = {};
    const server = createServer({ allowHalfOpen: true }, (client) => forward(client, recorder.port, shared));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    servers.push(server);
    ports.push({ http: (server.address() as { port: number }).port, https: 0 });
  }
  return {
    ports,
    close: async () => {
      for (const server of servers) server.close();
    },
  };
};
