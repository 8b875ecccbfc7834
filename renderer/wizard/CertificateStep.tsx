import { useState } from "react";
import { letsEncryptDirectory } from "../../shared/certs";
import { StepFrame, fail } from "./StepFrame";
import { Choice, TextInput } from "./inputs";
import { allowedChallenges } from "../../shared/setup";
import { stepIndex } from "./progress";
import type { StepProps } from "./types";

type Challenge = "auto" | "http-01" | "tls-alpn-01" | "dns-01";
const challengeLabels: Record<Challenge, string> = {
  auto: "Automatic (tries each allowed way in turn)",
  "http-01": "HTTP-01: the CA asks on port 80",
  "tls-alpn-01": "TLS-ALPN-01: the CA asks on port 443",
  "dns-01": "DNS-01: a TXT record through your DNS provider",
};

/** Step 5: a public certificate over ACME, with the checks the reachability allows, or the local CA for LAN use. */
export function CertificateStep({ view, progress, save, next, back, carriedError }: StepProps) {
  const { certs } = view.settings;
  // Coming back, or in a bigger network (its certificates are the network's business): keep what is saved.
  const chosenBefore = stepIndex(progress.reached) > stepIndex("certificate");
  const [mode, setMode] = useState<"acme" | "local">(chosenBefore || progress.usage === "network" ? certs.mode : "acme");
  const [email, setEmail] = useState(certs.acme.email);
  const allowed = allowedChallenges(view.settings);
  const [challenge, setChallenge] = useState<Challenge>(certs.acme.challenge === "auto" || allowed.includes(certs.acme.challenge) ? certs.acme.challenge : "auto");
  const [directoryUrl, setDirectoryUrl] = useState(certs.acme.directoryUrl);

  return (
    <StepFrame
      step="certificate"
      why="Browsers and other pods talk to the pod only over HTTPS with a certificate they trust, and diaspora* federation needs a public one."
      onBack={back}
      carriedError={carriedError}
      onNext={async () => {
        if (mode === "local") {
          await save({ "certs.mode": "local" });
        } else {
          if (!directoryUrl.trim()) fail({ code: "acme-directory", field: "certs.acme.directoryUrl", message: "The certificate authority's address is empty.", fix: `Use Let's Encrypt: ${letsEncryptDirectory}` });
          await save({ "certs.acme.directoryUrl": directoryUrl.trim(), "certs.acme.email": email.trim(), "certs.acme.challenge": challenge, "certs.mode": "acme" });
        }
        next();
      }}
    >
      <Choice
        legend="The certificate"
        name="cert-mode"
        value={mode}
        onChange={setMode}
        options={[
          { value: "acme", label: "A public certificate (Let's Encrypt)", hint: "Trusted everywhere; podhost gets it when the pod starts and renews it by itself." },
          { value: "local", label: "podhost's own CA (this network only)", hint: "For trying the pod on your network: each device must trust podhost's CA, and other pods cannot federate." },
        ]}
      />
      {mode === "acme" ? (
        <>
          <TextInput name="certs.acme.email" label="E-mail for expiry warnings (optional)" inputMode="email" value={email} onChange={setEmail} />
          <div className="field">
            <label htmlFor="wizard-challenge" className="field-label">
              How the certificate authority checks the name is yours
            </label>
            <select id="wizard-challenge" data-wizard-field="certs.acme.challenge" value={challenge} onChange={(event) => setChallenge(event.target.value as Challenge)}>
              {(["auto", ...allowed] as Challenge[]).map((c) => (
                <option key={c} value={c}>
                  {challengeLabels[c]}
                </option>
              ))}
            </select>
          </div>
          <TextInput name="certs.acme.directoryUrl" label="Certificate authority (ACME directory)" inputMode="url" value={directoryUrl} onChange={setDirectoryUrl} hint="Let's Encrypt unless you use another ACME certificate authority." />
        </>
      ) : null}
    </StepFrame>
  );
}
