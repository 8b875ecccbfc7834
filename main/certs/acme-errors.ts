import type { ChallengeType } from "../../shared/certs";
import { AcmeNetworkError, type AcmeProblem } from "./acme-transport";
import { isUserErrorInfo } from "../../shared/errors";
import { ChallengeFailedError, ChallengeUnavailableError, TxtRecordError } from "./acme-order";
import { IssuanceProblem, type IssuanceFailure } from "./issuance-problem";

export { IssuanceProblem, type IssuanceFailure } from "./issuance-problem";

const networkReasons: Record<string, string> = {
  ECONNREFUSED: "nothing answers at that address",
  ENOTFOUND: "its name does not resolve",
  EAI_AGAIN: "the name lookup failed (no DNS?)",
  ETIMEDOUT: "it did not answer in time",
  UND_ERR_CONNECT_TIMEOUT: "it did not answer in time",
  UND_ERR_HEADERS_TIMEOUT: "it did not answer in time",
  ECONNRESET: "the connection was cut",
  EHOSTUNREACH: "this computer has no route to it",
  ENETUNREACH: "this computer is offline",
};

const portOf: Record<ChallengeType, string> = { "http-01": "Port 80", "tls-alpn-01": "Port 443", "dns-01": "DNS" };
const alternativesFor: Record<ChallengeType, string> = {
  "http-01": "Check that your router forwards port 80 to this computer (Settings > Network), or try TLS-ALPN (port 443) or DNS validation (certs.acme.challenge).",
  "tls-alpn-01": "Check that your router forwards port 443 to this computer (Settings > Network), or try HTTP (port 80) or DNS validation (certs.acme.challenge).",
  "dns-01": "Check the dynamic DNS provider under Settings > Domain & DNS (it must support TXT records), or try HTTP (port 80) or TLS-ALPN (port 443) validation.",
};

/** One failed attempt, explained: what failed, why, what to do. */
export function explainFailure(error: unknown, context: { directoryUrl: string; problem: AcmeProblem | undefined }): IssuanceFailure {
  if (error instanceof IssuanceProblem) return error.failure;
  if (error instanceof ChallengeFailedError) return explainChallenge(error);
  if (error instanceof TxtRecordError) return explainTxtRecord(error);
  if (error instanceof ChallengeUnavailableError) {
    if (error.reason === "no-dns-provider") {
      return { code: "dns01-unavailable", field: "certs.acme.challenge", message: "DNS validation needs a dynamic DNS provider that can set TXT records, and none is set up.", fix: "Choose DuckDNS, Cloudflare, deSEC or RFC 2136 under Settings > Domain & DNS, or use HTTP (port 80) or TLS-ALPN (port 443) validation." };
    }
    return { code: "challenge-not-offered", field: "certs.acme.challenge", message: `The certificate authority does not offer ${error.challenge} validation for this domain.`, fix: 'Set certs.acme.challenge to "auto" or to another type.' };
  }
  if (error instanceof AcmeNetworkError) {
    const host = safeHost(error.url);
    const reason = networkReasons[error.code] ?? (/CERT|SELF_SIGNED|SIGNATURE/.test(error.code) ? "its HTTPS certificate is not trusted (for a private CA, point NODE_EXTRA_CA_CERTS at its root)" : `the connection failed (${error.code})`);
    return { code: "ca-unreachable", field: "certs.acme.directoryUrl", message: `Could not reach the certificate authority at ${host}: ${reason}.`, fix: "Check that this computer is online and that certs.acme.directoryUrl is right." };
  }
  const problem = context.problem;
  const detail = problem?.detail ?? (error as Error).message;
  if (problem && (problem.status === 429 || problem.type?.endsWith(":rateLimited"))) {
    return { code: "rate-limited", message: `The certificate authority is limiting requests for now: ${detail}`, fix: "Nothing to do: podhost waits as long as the CA asked and then tries again.", retryAfterMs: problem.retryAfterMs ?? 60 * 60 * 1000 };
  }
  if (problem?.type?.endsWith(":invalidContact") || problem?.type?.endsWith(":unsupportedContact")) {
    return { code: "acme-email-refused", field: "certs.acme.email", message: `The certificate authority refused the e-mail address: ${detail}`, fix: "Correct certs.acme.email, or leave it empty." };
  }
  if (problem?.type?.endsWith(":rejectedIdentifier") || problem?.type?.endsWith(":caa")) {
    return { code: "domain-refused", field: "domain", message: `The certificate authority will not issue for this domain: ${detail}`, fix: "Check the domain (and any CAA records in its DNS zone)." };
  }
  if (problem && problem.status >= 500) {
    return { code: "ca-error", message: `The certificate authority had a problem (HTTP ${problem.status}): ${detail}`, fix: "Nothing to do: it is usually temporary, and podhost tries again." };
  }
  return { code: "acme-refused", message: `The certificate authority refused the request: ${detail}`, fix: "Check the domain and the certs.acme settings; podhost tries again." };
}

function explainChallenge(error: ChallengeFailedError): IssuanceFailure {
  const reading = readDetail(error.detail);
  const name = error.identifier;
  if (error.challenge === "dns-01") return { code: "dns-01-failed", message: `The certificate authority did not find the TXT record _acme-challenge.${name}: ${reading.words}`, fix: alternativesFor["dns-01"] };
  const port = portOf[error.challenge];
  // The port answered, but not with the challenge: something else holds it; otherwise nothing got through.
  const where = reading.kind === "wrong-answer" ? `${port} answered for ${name}, but not with podhost's challenge` : `${port} is not reachable from the internet for ${name}`;
  return { code: `${error.challenge}-failed`, message: `${where}: ${reading.words}`, fix: alternativesFor[error.challenge] };
}

/** The DNS provider refused or could not be reached while setting the TXT record: a dns.* problem, said as one. */
function explainTxtRecord(error: TxtRecordError): IssuanceFailure {
  const cause = isUserErrorInfo(error.cause) ? error.cause : { code: "dns-txt-failed", message: (error.cause as Error)?.message ?? String(error.cause) };
  return {
    code: "dns-01-record-failed",
    field: cause.field ?? "dns.provider",
    message: `DNS validation for ${error.identifier} could not start, because the DNS provider did not take the TXT record: ${cause.message}`,
    fix: cause.fix ?? "Check the dynamic DNS settings under Settings > Domain & DNS.",
  };
}

/**
 * The CA's validation error (often a raw Go error) in words, with the raw text kept at the end.
 * Connection failures are read first; a wrong answer is only a failed handshake or wrong content,
 * never the challenge's own name ("tls-alpn-01") inside the CA's sentence.
 */
function readDetail(detail: string): { kind: "unreachable" | "wrong-answer" | "unknown"; words: string } {
  const known: Array<[RegExp, "unreachable" | "wrong-answer", string]> = [
    [/connection refused/i, "unreachable", "the connection was refused (nothing listens there, or the router does not forward the port)"],
    [/timeout|timed out|deadline exceeded/i, "unreachable", "there was no answer (a firewall or the router drops the connection)"],
    [/failed to connect|connection reset|no route to host|network is unreachable/i, "unreachable", "nothing answered (the router does not forward the port, or nothing listens there)"],
    [/no such host|NXDOMAIN|no valid A records/i, "unreachable", "the name has no address record"],
    [/\b404\b/, "wrong-answer", "the check file was not found (is another web server answering this port?)"],
    [/cannot negotiate ALPN|incorrect validation certificate|acmeValidationV1/i, "wrong-answer", "the TLS answer was not the challenge certificate (is another TLS server on this port?)"],
    [/No TXT record|incorrect TXT/i, "wrong-answer", "the TXT record was missing or wrong"],
  ];
  const match = known.find(([pattern]) => pattern.test(detail));
  return match ? { kind: match[1], words: `${match[2]}. (CA: ${detail})` } : { kind: "unknown", words: `${detail}.` };
}

/** When every challenge type failed, say so once, with each reason. */
export function combineChallengeFailures(failures: IssuanceFailure[]): IssuanceFailure {
  if (failures.length === 1) return failures[0]!;
  return {
    code: "all-challenges-failed",
    message: `No validation method worked. ${failures.map((f) => f.message).join(" ")}`,
    fix: "Forward port 80 or 443 to this computer (Settings > Network), or set up a DNS provider with TXT records (Settings > Domain & DNS) for DNS validation.",
  };
}

function safeHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}
