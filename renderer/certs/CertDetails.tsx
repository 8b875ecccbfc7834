import { issuanceSteps, type CertsStatus, type IssuanceStep } from "../../shared/certs";
import type { StatusExtraProps } from "../status/extras";
import { Facts, Time } from "../components/Facts";

const stepWords: Record<IssuanceStep, string> = { account: "Account", order: "Order", challenge: "Challenge", validation: "Validation", certificate: "Certificate" };

/** When podhost tries again: "Next try at 14:05." today, else with the date. */
function nextTryWords(ms: number): string {
  const date = new Date(ms);
  const time = date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  return date.toDateString() === new Date().toDateString() ? `Next try at ${time}.` : `Next try on ${date.toLocaleDateString()} at ${time}.`;
}

/** The Status page's Certificate card: what is served, when it expires and renews, an issuance in progress, and the last failure. */
export function CertDetails({ status }: StatusExtraProps) {
  const certs = status.certs;
  const certificate = certs.certificate;
  return (
    <>
      <Facts
        name="certs"
        items={[
          ["Issuer", certificate ? `${certificate.issuer}${certificate.source === "local" ? " (podhost's own CA)" : ""}` : undefined],
          ["Names", certificate?.names.join(", ")],
          [certs.state === "expired" ? "Expired" : "Expires", certificate ? <Time ms={certificate.notAfter} /> : undefined],
          ["Next renewal", <Time ms={certs.nextRenewal} />],
        ]}
      />
      {certs.progress ? <Progress progress={certs.progress} /> : null}
      {certs.lastError ? (
        <div className="error-note" data-cert-error={certs.lastError.code}>
          <p>
            Last failure (<Time ms={certs.lastError.at} short />): {certs.lastError.message}
          </p>
          {certs.lastError.fix ? <p className="fix">{certs.lastError.fix}</p> : null}
          {certs.nextAttempt ? <p data-next-attempt="">{nextTryWords(certs.nextAttempt)}</p> : null}
        </div>
      ) : certs.nextAttempt ? (
        <p data-next-attempt="">{nextTryWords(certs.nextAttempt)}</p>
      ) : null}
    </>
  );
}

/** The ACME order's steps, the current one marked (aria-current="step") and said in words, not only colour. */
function Progress({ progress }: { progress: NonNullable<CertsStatus["progress"]> }) {
  const current = issuanceSteps.indexOf(progress.step);
  return (
    <ol className="stepper" aria-label="Getting the certificate" data-progress={progress.step}>
      {issuanceSteps.map((step, index) => {
        const phase = index < current ? "done" : index === current ? "now" : "todo";
        return (
          <li key={step} className={`step step-${phase}`} data-step={step} aria-current={phase === "now" ? "step" : undefined}>
            {stepWords[step]}
            {phase === "now" && progress.challenge ? ` (${progress.challenge})` : ""}
            <span className="visually-hidden">{phase === "done" ? ": done" : phase === "now" ? ": in progress" : ": to do"}</span>
          </li>
        );
      })}
    </ol>
  );
}
