import type { IncomingMessage, ServerResponse } from "node:http";

/** Seconds a client should wait before trying again while the pod is down. */
const retryAfterSeconds = 5;

const plainText: Record<number, string> = {
  400: "Bad request.",
  404: "Not found.",
  413: "The request body is larger than this pod accepts.",
  421: "This server does not serve that host name.",
  502: "The pod is not answering yet (it may be starting). Try again in a few seconds.",
  503: "The pod is not available right now. Try again in a few seconds.",
  504: "The pod took too long to answer.",
};

/** What a browser sees while the pod starts: a page that reloads itself until the pod answers. */
const startingPage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="${retryAfterSeconds}"><title>Your pod is starting</title>
<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:15vh auto;padding:0 1rem;color:#222;line-height:1.5}</style></head>
<body><h1>Your pod is starting</h1><p>It is not answering yet. This page reloads by itself every ${retryAfterSeconds} seconds.</p>
<p>If it stays here for long, open podhost and look at the pod's status and logs.</p></body></html>
`;

function wantsHtml(req: IncomingMessage): boolean {
  return (req.headers.accept ?? "").includes("text/html");
}

/**
 * An error answer made by the proxy itself. `close` ends the connection too (after a request
 * we did not read, or could not trust).
 */
export function sendError(req: IncomingMessage, res: ServerResponse, status: number, close = false): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const unavailable = status === 502 || status === 503;
  const html = unavailable && wantsHtml(req);
  const body = html ? startingPage : `${plainText[status] ?? "Error."}\n`;
  const headers: Record<string, string | number> = {
    "content-type": html ? "text/html; charset=utf-8" : "text/plain; charset=utf-8",
    "content-length": Buffer.byteLength(body),
    "cache-control": "no-store",
  };
  if (unavailable) headers["retry-after"] = retryAfterSeconds;
  if (close) headers.connection = "close";
  res.writeHead(status, headers);
  res.end(req.method === "HEAD" ? undefined : body);
}

export function sendRedirect(res: ServerResponse, location: string): void {
  res.writeHead(301, { location, "content-type": "text/plain; charset=utf-8", "content-length": 0 });
  res.end();
}
