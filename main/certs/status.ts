import type { CertificateInfo, CertsSettings, CertsStatus, ChallengeType, IssuanceStep } from "../../shared/certs";
import type { NextAction } from "../../shared/service-status";
import type { AcmeRetryState } from "./files";
import { day } from "./schedule";

const expiryWarning = 14 * day;

/** Everything the certificate card says, as the service knows it right now. */
export interface CertsFacts {
  now: number;
  mode: CertsSettings["mode"];
  domain: string;
  /** The CA's host, for "Getting a certificate from ...". */
  caHost: string;
  /** What the proxy serves by default, and when it is renewed. */
  served?: CertificateInfo;
  nextRenewal?: number;
  retry: AcmeRetryState;
  /** The local certificate could not be made. */
  fault?: { message: string; fix: string };
  progress?: { step: IssuanceStep; challenge?: ChallengeType };
}

/**
 * The status, worst fact first: an expired certificate outranks everything (it is still served,
 * since serving nothing would break even the LAN, and every client now refuses it), then a fault,
 * an order in progress, a failing renewal, and only then "valid".
 */
export function describeCerts(facts: CertsFacts): CertsStatus {
  const { served: certificate, mode, now } = facts;
  const acme = mode === "acme";
  const error = acme ? facts.retry.lastError : undefined;
  const base: CertsStatus = {
    state: "none",
    message: "No certificate yet.",
    mode,
    ...(certificate ? { certificate, ...(facts.nextRenewal !== undefined ? { nextRenewal: facts.nextRenewal } : {}) } : {}),
    ...(error ? { lastError: error, ...(facts.retry.nextAttempt ? { nextAttempt: facts.retry.nextAttempt } : {}) } : {}),
    ...(facts.progress ? { progress: facts.progress } : {}),
  };
  const fixAction = (fix: string | undefined, field: string | undefined): NextAction => ({ label: fix ?? "Try again", page: field?.startsWith("dns.") ? "settings/dns" : "settings/certificates", command: "certs.renew" });
  const getting = facts.progress ? `Getting a certificate from ${facts.caHost}: ${facts.progress.step}${facts.progress.challenge ? ` (${facts.progress.challenge})` : ""}.` : undefined;

  if (certificate && certificate.notAfter <= now) {
    const names = certificate.names.join(", ");
    const why = getting ?? (error ? `Renewing it keeps failing: ${error.message}` : facts.fault ? facts.fault.message : "podhost tries to renew it now.");
    return {
      ...base,
      state: "expired",
      message: `The certificate for ${names} expired on ${isoDay(certificate.notAfter)}. ${why} Until a renewal works, podhost keeps serving the expired certificate, and browsers and other pods refuse it.`,
      action: error ? fixAction(error.fix, error.field) : { label: "Renew now", page: "settings/certificates", command: "certs.renew" },
    };
  }
  if (facts.fault) return { ...base, state: "failed", message: facts.fault.message, action: { label: facts.fault.fix, command: "certs.renew" } };
  if (getting) return { ...base, state: "issuing", message: getting };
  const until = certificate ? isoDay(certificate.notAfter) : "";
  if (acme) {
    if (certificate?.source === "acme") {
      if (error && certificate.notAfter - now < expiryWarning) return { ...base, state: "expiring", message: `The certificate expires on ${until} and renewal keeps failing: ${error.message}`, action: fixAction(error.fix, error.field) };
      return { ...base, state: "valid", message: `Serving a certificate from ${certificate.issuer} for ${certificate.names.join(", ")}, valid until ${until}.${error ? ` The last renewal attempt failed: ${error.message}` : ""}` };
    }
    if (error) return { ...base, state: "failed", message: error.message, action: fixAction(error.fix, error.field) };
    return { ...base, state: "none", message: facts.domain ? `Waiting to get a certificate from ${facts.caHost}; the local one is served meanwhile.` : "Set the domain to get a public certificate." };
  }
  if (certificate) return { ...base, state: "valid", message: `Serving a certificate from podhost's local CA for ${certificate.names.join(", ")}, valid until ${until}. Devices trust it once the CA is installed (Settings > Certificates).` };
  return base;
}

function isoDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}
