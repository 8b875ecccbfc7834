import { useId, useState } from "react";
import type { PodAddressCheck } from "../../shared/ports";
import type { SettingsExtraProps } from "../settings/extras";
import { CommandButton } from "../components/CommandButton";
import { ResultBox } from "../components/ResultBox";

/** Settings > Network: before the first start, ask the router which external port it takes, and say what the pod's address will be. */
export function RouterCheckPanel(_props: SettingsExtraProps) {
  const [result, setResult] = useState<PodAddressCheck | undefined>();
  const headingId = useId();
  return (
    <section className="extra" aria-labelledby={headingId} data-extra="router-check">
      <h3 id={headingId}>Check my router</h3>
      <p className="callout warn">
        For diaspora*, the pod's address is permanent: if the router cannot give it port 443, the port becomes part of the address (https://name:PORT/) and of every user's ID, for good.
        Check this before the pod's first start.
      </p>
      <CommandButton command="ports.checkPodAddress" label="Check my router" params={{}} onResult={(answer) => setResult(answer as PodAddressCheck | undefined)} />
      <ResultBox name="ports.checkPodAddress">
        {result ? (
          <>
            <p>
              The pod's address would be <strong data-pod-url="">{result.podUrl}</strong>
              {result.accepted443 ? "." : ", with the port in it."}
            </p>
            <p>{result.message}</p>
          </>
        ) : null}
      </ResultBox>
    </section>
  );
}
