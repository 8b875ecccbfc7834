import type { AnswerScript } from "./recorder";

/** One input both proxies get, byte for byte. */
export interface Case {
  /** "corpus/<name>" or "mutation/<seed>/<n>": enough to find or regenerate it. */
  id: string;
  /** Which class of the issue (or rule of the reference) it probes. */
  probe: string;
  /** The raw bytes the client writes (latin1), possibly several pipelined requests. */
  bytes: string;
  /** How many requests the client means to send (answers it waits for). */
  sent: number;
  /** Written once the first answer arrived: a tunnel's payload, or what follows a refused upgrade. */
  after?: string;
  /** Over TLS with this server name (SNI). */
  servername?: string;
  /** How the upstream answers (default: echo). */
  script?: AnswerScript;
  /** The client half-closes right after writing (it goes away mid-request). */
  halfClose?: boolean;
  /**
   * A rule of the issue where nginx is no oracle (it does the unsafe thing too, or answers with
   * another status): podhost must refuse the request, forwarding nothing of it, with `status`
   * when the status matters.
   */
  podhostRefuses?: { status?: number; why: string };
}

export const crlf = "\r\n";

/** A request from its start line, header lines and body (CRLF everywhere). */
export function request(line: string, headers: string[], body = ""): string {
  return `${line}${crlf}${headers.map((h) => `${h}${crlf}`).join("")}${crlf}${body}`;
}

/** A chunked body from its chunks (and optional trailer lines). */
export function chunked(chunks: string[], trailers: string[] = []): string {
  return `${chunks.map((c) => `${c.length.toString(16)}${crlf}${c}${crlf}`).join("")}0${crlf}${trailers.map((t) => `${t}${crlf}`).join("")}${crlf}`;
}
