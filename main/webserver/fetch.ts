import { request as httpRequest, type IncomingHttpHeaders } from "node:http";
import { request as httpsRequest } from "node:https";

export interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface FetchOptions {
  /** Connect to this address instead of resolving the URL's name (Host and SNI stay the URL's). */
  connectTo?: string;
  /** Extra CA certificates (PEM) to trust. */
  ca?: string;
  /** Skip certificate checks: only for podhost's own listener on loopback, never the user's server. */
  insecure?: boolean;
  timeoutMs?: number;
}

const maxBody = 1024 * 1024;

/** One GET, no redirects followed, the body read as text (at most 1 MiB). */
export function fetchAnswer(url: URL, options: FetchOptions = {}): Promise<Answer> {
  const request = url.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: options.connectTo ?? url.hostname.replace(/^\[|\]$/g, ""),
        port: url.port || (url.protocol === "https:" ? 443 : 80),
        path: `${url.pathname}${url.search}`,
        method: "GET",
        headers: { host: url.host, "user-agent": "podhost-check" },
        servername: url.hostname,
        ...(options.ca ? { ca: options.ca } : {}),
        rejectUnauthorized: !options.insecure,
        agent: false,
        // Peers' connection testers give up after 12 s; so do we.
        timeout: options.timeoutMs ?? 12_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on("data", (chunk: Buffer) => {
          size += chunk.length;
          if (size <= maxBody) chunks.push(chunk);
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }));
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error(`no answer within ${(options.timeoutMs ?? 12_000) / 1000} s`)));
    req.on("error", reject);
    req.end();
  });
}
