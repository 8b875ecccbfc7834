import { useId, useState } from "react";
import type { SettingsExtraProps } from "../settings/extras";
import { CommandButton } from "../components/CommandButton";
import { ResultBox } from "../components/ResultBox";

/** The host name in the pod's permanent URL: what the user types to confirm a reset. */
function hostOf(url: string): string {
  try {
    return new URL(url).hostname;
  } catch {
    return url;
  }
}

/**
 * Settings > Pod: forget the pod's permanent address, in a panel of its own that says what that
 * means. The button appears only once the user typed the pod's domain; the daemon refuses while the pod runs.
 */
export function ResetIdentityPanel({ status, reload }: SettingsExtraProps) {
  const [typed, setTyped] = useState("");
  const [done, setDone] = useState<string | undefined>();
  const headingId = useId();
  const inputId = useId();
  const hintId = useId();
  const lockedUrl = status?.pod.lockedUrl;
  if (!lockedUrl && !done) return null;
  const domain = lockedUrl ? hostOf(lockedUrl) : "";
  const confirmed = typed.trim().toLowerCase() === domain.toLowerCase() && domain !== "";
  return (
    <section className="extra danger-zone" aria-labelledby={headingId} data-extra="reset-identity">
      <h3 id={headingId}>Reset pod identity</h3>
      {lockedUrl ? (
        <>
          <p>
            Your pod's address is <strong data-locked-url="">{lockedUrl}</strong>. diaspora* writes it into the pod's database and into every user's ID
            (like alice@{domain}), and other pods remember it. That is why it can never change.
          </p>
          <p className="callout warn">
            Resetting lets you choose a new address, but only for a <strong>new pod with a new, empty database</strong>: the old accounts, posts and contacts do not move
            with it, and other pods will treat it as a stranger. Stop the pod first.
          </p>
          <div className="field">
            <label htmlFor={inputId} className="field-label">
              To confirm, type the pod's domain: {domain}
            </label>
            <input id={inputId} type="text" spellCheck={false} autoComplete="off" value={typed} data-control="reset-identity-confirm" aria-describedby={hintId} onChange={(event) => setTyped(event.target.value)} />
          </div>
          <p className="help" id={hintId} aria-live="polite">
            {confirmed ? "The domain matches: the reset button is below." : "The reset button appears once the domain matches."}
          </p>
          {confirmed ? (
            <CommandButton
              command="pod.resetIdentity"
              label="Reset pod identity"
              onResult={(answer) => {
                if (answer === undefined) return;
                setDone(`The identity of ${lockedUrl} is forgotten. You can now change the domain; start the new pod with a new database.`);
                setTyped("");
                void reload();
              }}
            />
          ) : null}
        </>
      ) : null}
      <ResultBox name="pod.resetIdentity">{done ? <p>{done}</p> : null}</ResultBox>
    </section>
  );
}
