import type { ClientConnection } from "./connection";
import { headerValue, type RequestHead } from "./http1";

/** Seconds a client should wait before trying again while the pod is down. */
const retryAfterSeconds = 5;

const plainText: Record<number, string> = {
  400: "Bad request.",
  408: "The request took too long to arrive.",
  417: "Only Expect: 100-continue is understood.",
  431: "The request's headers are larger than this pod accepts.",
  505: "Only HTTP/1.0 and HTTP/1.1 are spoken here.",
  404: "Not found.",
  405: "This method is not allowed here.",
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

function wantsHtml(request: RequestHead | undefined): boolean {
  return request !== undefined && (headerValue(request, "accept") ?? "").includes("text/html");
}

/**
 * An error answer made by the proxy itself. `close` ends the connection too (after a request
 * we did not read, or could not trust).
 */
export function sendError(connection: ClientConnection, request: RequestHead | undefined, status: number, close = false): void {
  const { headers, body } = errorAnswer(status, wantsHtml(request));
  if (close) connection.closeAfter();
  connection.respond(status, headers, body);
}

/** Header lines and body of an error answer; browsers get the self-refreshing page while the pod is down. */
export function errorAnswer(status: number, forBrowser: boolean): { headers: string; body: string } {
  const unavailable = status === 502 || status === 503;
  const html = unavailable && forBrowser;
  let headers = `Content-Type: ${html ? "text/html" : "text/plain"}; charset=utf-8\r\nCache-Control: no-store\r\n`;
  if (unavailable) headers += `Retry-After: ${retryAfterSeconds}\r\n`;
  return { headers, body: html ? startingPage : `${plainText[status] ?? "Error."}\n` };
}

export function sendRedirect(connection: ClientConnection, location: string): void {
  connection.respond(301, `Location: ${location}\r\nContent-Type: text/plain; charset=utf-8\r\n`);
}
