import { readFileSync } from "node:fs";
import { rootCertificates } from "node:tls";
import type { Client } from "acme-client";
import { Agent, request } from "undici";
import { IssuanceProblem } from "./issuance-problem";

/** An error document (RFC 7807) the CA answered with, kept so failures can be explained. */
export interface AcmeProblem {
  status: number;
  type?: string;
  detail?: string;
  /** From Retry-After, in ms from now. */
  retryAfterMs?: number;
}

/** The CA could not be reached at all (refused, no such name, timeout, untrusted certificate). */
export class AcmeNetworkError extends Error {
  constructor(readonly url: string, readonly code: string, cause: unknown) {
    super(`${url}: ${code}`, { cause });
    this.name = "AcmeNetworkError";
  }
}

/** The system's bundled roots plus NODE_EXTRA_CA_CERTS (read now, so a test or a custom CA can set it late). */
export function trustedCertificates(): string[] {
  const extraFile = process.env.NODE_EXTRA_CA_CERTS;
  return extraFile ? [...rootCertificates, readFileSync(extraFile, "utf8")] : [...rootCertificates];
}

type AcmeResponse = { status: number; headers: Record<string, string>; data: unknown };

/**
 * The HTTP side of acme-client, replaced: acme-client's own axios instance sleeps inside
 * retries (up to Retry-After, which can be hours) and drops the CA's problem document. Ours
 * makes one request, trusts `trustedCertificates()`, and records the last problem; podhost's
 * scheduler does the waiting. acme-client still signs requests and retries badNonce above this.
 */
export class AcmeTransport {
  /** The CA's answer to the latest request when that was an error. */
  lastProblem: AcmeProblem | undefined;
  private readonly dispatcher = new Agent({ connect: { ca: trustedCertificates(), timeout: 10_000 }, headersTimeout: 30_000, bodyTimeout: 30_000 });

  attach(client: Client): void {
    // acme-client 5.4.0 (pinned): every request goes through client.http.request(url, method, opts).
    const http = (client as unknown as { http: { request: (url: string, method: string, opts?: { data?: unknown }) => Promise<AcmeResponse> } }).http;
    http.request = (url, method, opts) => this.request(url, method, opts?.data);
  }

  /** A plain GET (directory, renewal information); parsed JSON or text. */
  get(url: string): Promise<AcmeResponse> {
    return this.request(url, "get", undefined);
  }

  async close(): Promise<void> {
    await this.dispatcher.close();
  }

  private async request(url: string, method: string, data: unknown): Promise<AcmeResponse> {
    // RFC 8555 §6.1: every ACME request is HTTPS, including the URLs a directory hands out.
    if (!/^https:\/\//i.test(url)) {
      throw new IssuanceProblem({ code: "acme-not-https", field: "certs.acme.directoryUrl", message: `The certificate authority gave the address ${url}, which is not https://; ACME works over HTTPS only, so podhost did not send anything there.`, fix: "Set certs.acme.directoryUrl to the CA's https:// directory URL." });
    }
    let response;
    try {
      response = await request(url, {
        method: method.toUpperCase() as "GET",
        headers: { "content-type": "application/jose+json", "user-agent": "podhost (acme-client)" },
        body: data === undefined ? null : JSON.stringify(data),
        dispatcher: this.dispatcher,
      });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? (error as Error).name;
      throw new AcmeNetworkError(url, code, error);
    }
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(response.headers)) if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(", ") : value;
    const text = await response.body.text();
    const isJson = /json/.test(headers["content-type"] ?? "");
    const body: unknown = isJson && text ? JSON.parse(text) : text;
    this.lastProblem = response.statusCode >= 400 ? problemFrom(response.statusCode, headers, body) : undefined;
    return { status: response.statusCode, headers, data: body };
  }
}

function problemFrom(status: number, headers: Record<string, string>, body: unknown): AcmeProblem {
  const doc = typeof body === "object" && body !== null ? (body as { type?: string; detail?: string }) : {};
  const problem: AcmeProblem = { status };
  if (doc.type) problem.type = doc.type;
  if (doc.detail) problem.detail = doc.detail;
  const retryAfter = parseRetryAfter(headers["retry-after"]);
  if (retryAfter !== undefined) problem.retryAfterMs = retryAfter;
  return problem;
}

/** Retry-After: delta-seconds or an HTTP date. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
