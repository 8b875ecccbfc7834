/** A visitor: requests through the user's server with the pod's name, and a WebSocket round trip. */
import { once } from "node:events";
import { request } from "node:https";
import { connect } from "node:tls";

export async function getJson(port: number, servername: string, path: string, ca: string, headers: Record<string, string> = {}): Promise<{ status: number; body: Record<string, string> }> {
  const req = request({ host: "127.0.0.1", port, path, servername, ca, agent: false, headers: { host: `${servername}:${port}`, ...headers } });
  req.end();
  const [res] = (await once(req, "response")) as [import("node:http").IncomingMessage];
  let text = "";
  for await (const chunk of res) text += String(chunk);
  return { status: res.statusCode ?? 0, body: JSON.parse(text) as Record<string, string> };
}

/** Upgrade to WebSocket through TLS, send a message, read it back (the backend echoes raw bytes). */
export async function websocketEcho(port: number, servername: string, path: string, ca: string, message: string): Promise<{ statusLine: string; echoed: string }> {
  const socket = connect({ host: "127.0.0.1", port, servername, ca });
  await once(socket, "secureConnect");
  socket.write(
    `GET ${path} HTTP/1.1\r\nHost: ${servername}:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`,
  );
  let received = "";
  let statusLine = "";
  try {
    for await (const chunk of socket) {
      received += String(chunk);
      const end = received.indexOf("\r\n\r\n");
      if (!statusLine && end >= 0) {
        statusLine = received.slice(0, received.indexOf("\r\n"));
        received = received.slice(end + 4);
        if (!statusLine.includes(" 101 ")) break;
        socket.write(message);
      }
      if (statusLine && received.length >= message.length) break;
    }
  } finally {
    socket.destroy();
  }
  return { statusLine, echoed: received };
}

/** POST `bytes` of body; the status the front server answers (it may answer before reading it all). */
export async function postStatus(port: number, servername: string, path: string, ca: string, bytes: number): Promise<number> {
  const req = request({ host: "127.0.0.1", port, path, method: "POST", servername, ca, agent: false, headers: { host: `${servername}:${port}`, "content-type": "application/octet-stream", "content-length": String(bytes) } });
  req.on("error", () => {}); // a server refusing a large body may close before we finish writing
  const response = once(req, "response") as Promise<[import("node:http").IncomingMessage]>;
  req.end(Buffer.alloc(bytes, 0x61));
  const [res] = await response;
  res.resume();
  return res.statusCode ?? 0;
}
