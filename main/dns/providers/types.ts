import type { DnsAddresses, DnsProviderId, DnsProviderInfo, DnsSettings } from "../../../shared/dns";
import type { TxtRecordWriter } from "../../contracts";
import type { HttpClient } from "../http";

/** What a provider module gets: the settings it needs, the secrets, and an HTTP client with our User-Agent. */
export interface ProviderConfig {
  /** The fully qualified name to update (dns.name, else the pod's domain). */
  name: string;
  /** dns.server, or the provider's preset when empty. */
  server: string;
  username: string;
  password: string;
  token: string;
  tsigAlgorithm: DnsSettings["tsigAlgorithm"];
  http: HttpClient;
}

/**
 * How the engine reacts to an answer: accepted -> cache it; fatal -> stop until the settings
 * change; wait -> the provider asked for a pause (>= 30 minutes); retry -> back off exponentially.
 */
export type Verdict = "accepted" | "fatal" | "wait" | "retry";

export interface ProviderReply {
  verdict: Verdict;
  /** What the provider said, short and verbatim ("good 198.51.100.4", "badauth", "HTTP 503"). */
  answer: string;
  /** What that means, in plain words ("the user name or password is wrong"). */
  meaning?: string;
}

/** One provider: a small declarative module over the shared update engine. */
export interface ProviderModule {
  id: Exclude<DnsProviderId, "none">;
  /** Label, default server, fields, families: shared with the UI. */
  info: DnsProviderInfo;
  update(config: ProviderConfig, addresses: DnsAddresses): Promise<ProviderReply>;
  /** DNS-01: set and remove TXT records, where the provider can. */
  txt?(config: ProviderConfig): TxtRecordWriter;
}

/** A TXT change the provider refused: certs shows the message as the reason the challenge failed. */
export class ProviderError extends Error {
  override readonly name = "ProviderError";
  /** The setting at fault (a dotted dns.* key) when the provider's answer tells; else its credential. */
  constructor(message: string, readonly field?: string) {
    super(message);
  }
}

/** The worse of two replies (for providers that need one request per address family). */
export function worst(a: ProviderReply, b: ProviderReply): ProviderReply {
  const rank: Record<Verdict, number> = { accepted: 0, retry: 1, wait: 2, fatal: 3 };
  return rank[b.verdict] > rank[a.verdict] ? b : a;
}

/** The answer for logs and status: first line, at most 120 characters. */
export function shortAnswer(body: string): string {
  const line = body.trim().split(/\r?\n/)[0] ?? "";
  return line.length > 120 ? `${line.slice(0, 117)}...` : line;
}

/** A reply that is neither a known success nor a known error, e.g. an HTML error page. */
export function unexpected(status: number, body: string): ProviderReply {
  if (status === 429) return { verdict: "wait", answer: `HTTP 429 ${shortAnswer(body)}`.trim(), meaning: "the provider says podhost sent too many requests" };
  if (status >= 500) return { verdict: "retry", answer: `HTTP ${status}`, meaning: "the provider's server has a problem" };
  return { verdict: "retry", answer: `HTTP ${status} ${shortAnswer(body)}`.trim(), meaning: "podhost did not understand this answer" };
}
