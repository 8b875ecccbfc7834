import { useEffect, useId, useState } from "react";
import { caTrustInstructions, type CertsStatus } from "../../shared/certs";
import type { UserErrorInfo } from "../../shared/errors";
import type { SettingsExtraProps } from "../settings/extras";
import { call } from "../api";
import { CommandButton } from "../components/CommandButton";
import { ErrorNote, toErrorInfo } from "../components/ErrorNote";
import { ResultBox } from "../components/ResultBox";

/** Settings > Certificates: "Renew now", and the local CA to download with how to trust it. */
export function CertsPanel({ values }: SettingsExtraProps) {
  const [result, setResult] = useState<CertsStatus | undefined>();
  const headingId = useId();
  return (
    <>
      <section className="extra" aria-labelledby={headingId} data-extra="certs-renew">
        <h3 id={headingId}>Renew now</h3>
        <p className="help">Gets a new certificate at once with the saved settings, without waiting for the renewal date. With ACME the pod must be running, so the CA can check the domain.</p>
        <CommandButton command="certs.renew" label="Renew now" params={{}} onResult={(answer) => setResult(answer as CertsStatus | undefined)} />
        <ResultBox name="certs.renew">{result ? <p data-outcome={result.state}>{result.message}</p> : null}</ResultBox>
      </section>
      {values("certs.mode") === "local" ? <CaDownload /> : null}
    </>
  );
}

interface CaFiles {
  pem: string;
  derBase64: string;
}

const fileNames = { pem: "podhost-ca.pem", der: "podhost-ca.crt" } as const;

/** The local CA's certificate as links (data: URLs: the UI's policy allows no blob:), with per-system trust steps. */
function CaDownload() {
  const [files, setFiles] = useState<CaFiles | undefined>();
  const [error, setError] = useState<UserErrorInfo | undefined>();
  const headingId = useId();
  useEffect(() => {
    let current = true;
    // One after the other: the first call may create the CA, and the second must get that same one.
    const fetchBoth = async () => [await call("certs.ca", { format: "pem" }), await call("certs.ca", { format: "der" })] as const;
    fetchBoth().then(
      ([pem, der]) => {
        if (current && pem.pem && der.derBase64) setFiles({ pem: pem.pem, derBase64: der.derBase64 });
      },
      (caught: unknown) => {
        if (current) setError(toErrorInfo(caught));
      },
    );
    return () => {
      current = false;
    };
  }, []);
  return (
    <section className="extra" aria-labelledby={headingId} data-extra="certs-ca">
      <h3 id={headingId}>Download the CA certificate</h3>
      <p className="help">Devices that trust podhost's own certificate authority (CA) accept your pod's local certificate without warnings. Install it only on your own devices.</p>
      {error ? <ErrorNote error={error} /> : null}
      {files ? (
        <div className="button-row">
          <a className="button" download={fileNames.pem} data-ca-download="pem" href={`data:application/x-pem-file;charset=utf-8,${encodeURIComponent(files.pem)}`}>
            Download the CA certificate (PEM)
          </a>
          <a className="button" download={fileNames.der} data-ca-download="der" href={`data:application/pkix-cert;base64,${files.derBase64}`}>
            Download the CA certificate (DER, .crt)
          </a>
        </div>
      ) : error ? null : (
        <p role="status">Fetching the CA certificate…</p>
      )}
      <details className="trust-steps" data-trust-steps="">
        <summary>How to trust it on each system</summary>
        <dl>
          {caTrustInstructions.map(({ platform, file, steps }) => (
            <div key={platform}>
              <dt>
                {platform} <span className="muted">({fileNames[file]})</span>
              </dt>
              <dd>{steps}</dd>
            </div>
          ))}
        </dl>
      </details>
    </section>
  );
}
