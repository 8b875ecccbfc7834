import type { CertsSettings, ChallengeType, IssuanceStep } from "../../shared/certs";
import { orderCertificate, ChallengeFailedError, ChallengeUnavailableError, TxtRecordError, type ChallengeResponders } from "./acme-order";
import { combineChallengeFailures, explainFailure, IssuanceProblem, type IssuanceFailure } from "./acme-errors";
import { AcmeTransport } from "./acme-transport";

export interface AcmeIssueRequest {
  names: string[];
  acme: CertsSettings["acme"];
  keyType: CertsSettings["keyType"];
  accountKeyPem: string;
  /** The account URL from an earlier order at this directory with this e-mail. */
  accountUrl?: string;
  responders: ChallengeResponders;
  /** The addresses a name resolves to (A records); throws when it does not resolve. */
  resolveHost: (name: string) => Promise<string[]>;
  /** This network's public IPv4 address, when known. */
  publicAddress?: () => Promise<string | undefined>;
  onProgress(step: IssuanceStep, challenge?: ChallengeType): void;
}

/**
 * Get a certificate over ACME: preflight, then each challenge type in turn (auto: HTTP-01,
 * TLS-ALPN-01, then DNS-01 when a provider can set TXT records). Failures that another type
 * cannot fix (CA unreachable, rate limit) stop at once. Throws IssuanceProblem.
 */
export async function issueAcmeCertificate(request: AcmeIssueRequest): Promise<{ certPem: string; keyPem: string; accountUrl: string }> {
  const canDns = request.responders.dns01 !== undefined;
  let types: ChallengeType[] = request.acme.challenge === "auto" ? ["http-01", "tls-alpn-01", ...(canDns ? (["dns-01"] as const) : [])] : [request.acme.challenge];
  if (types.some((type) => type !== "dns-01")) {
    const problem = await preflight(request);
    if (problem) {
      // DNS-01 needs neither the A record nor an open port, so auto mode can still go on.
      if (!types.includes("dns-01")) throw new IssuanceProblem(problem);
      types = ["dns-01"];
    }
  }
  const transport = new AcmeTransport();
  const failures: IssuanceFailure[] = [];
  try {
    for (const challenge of types) {
      try {
        return await orderCertificate({
          directoryUrl: request.acme.directoryUrl,
          email: request.acme.email,
          accountKeyPem: request.accountKeyPem,
          ...(request.accountUrl ? { accountUrl: request.accountUrl } : {}),
          names: request.names,
          keyType: request.keyType,
          challenge,
          responders: request.responders,
          transport,
          onProgress: (step) => request.onProgress(step, step === "account" || step === "order" ? undefined : challenge),
        });
      } catch (error) {
        const failure = explainFailure(error, { directoryUrl: request.acme.directoryUrl, problem: transport.lastProblem });
        // A failure of one challenge type (its port, its record) leaves the next type to try.
        if (!(error instanceof ChallengeFailedError || error instanceof ChallengeUnavailableError || error instanceof TxtRecordError)) throw new IssuanceProblem(failure);
        failures.push(failure);
      }
    }
    throw new IssuanceProblem(combineChallengeFailures(failures));
  } finally {
    await transport.close();
  }
}

/** The names must point at this network, or the CA would check some other machine. */
async function preflight(request: AcmeIssueRequest): Promise<IssuanceFailure | undefined> {
  const publicAddress = await request.publicAddress?.().catch(() => undefined);
  for (const name of request.names) {
    let addresses: string[];
    try {
      addresses = await request.resolveHost(name);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? "no answer";
      return { code: "domain-not-resolving", field: "domain", message: `${name} does not resolve to an address yet (${code}), so the certificate authority cannot reach this computer.`, fix: "Create its DNS record (Settings > Domain & DNS), or wait a few minutes for a new record to spread, then renew." };
    }
    if (publicAddress && !addresses.includes(publicAddress)) {
      return { code: "domain-elsewhere", field: "domain", message: `${name} points to ${addresses.join(", ")}, but this network's public address is ${publicAddress}.`, fix: "Update the DNS record (Settings > Domain & DNS) so the certificate authority checks this computer, or use DNS validation." };
    }
  }
  return undefined;
}
