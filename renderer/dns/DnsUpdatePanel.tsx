import { useId, useState } from "react";
import type { DnsUpdateResult } from "../../shared/dns";
import type { SettingsExtraProps } from "../settings/extras";
import { CommandButton } from "../components/CommandButton";
import { ResultBox } from "../components/ResultBox";

/** Settings > Domain & DNS: "Update now" (and Force), with the answer in plain words beside it. */
export function DnsUpdatePanel({ view }: SettingsExtraProps) {
  const [force, setForce] = useState(false);
  const [result, setResult] = useState<DnsUpdateResult | undefined>();
  const forceId = useId();
  const headingId = useId();
  if (view.settings.dns.provider === "none") return null;
  return (
    <section className="extra" aria-labelledby={headingId} data-extra="dns-update">
      <h3 id={headingId}>Update now</h3>
      <p className="help">Sends this connection's address to the provider, only if it changed since the provider last took it. Uses the saved settings.</p>
      <div className="check">
        <input id={forceId} type="checkbox" checked={force} data-control="dns-force" aria-describedby={`${forceId}-help`} onChange={(event) => setForce(event.target.checked)} />
        <label htmlFor={forceId} className="field-label">
          Force
        </label>
      </div>
      <p className="help" id={`${forceId}-help`}>
        Send even when the provider already has this address.
      </p>
      <CommandButton command="dns.update" label="Update now" params={{ force }} primary onResult={(answer) => setResult(answer as DnsUpdateResult | undefined)} />
      <ResultBox name="dns.update">
        {result ? (
          <>
            <p data-outcome={result.outcome}>{result.message}</p>
            <p className="next">{result.next}</p>
          </>
        ) : null}
      </ResultBox>
    </section>
  );
}
