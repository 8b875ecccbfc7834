import { useEffect, useRef, useState } from "react";
import { podUrl } from "../../shared/settings";
import type { StatusSnapshot } from "../../shared/status";
import { toneOf } from "../../shared/status";
import { call } from "../api";
import { showStatus, useStatus } from "../live";
import { StatePill } from "../components/StatePill";
import { toErrorInfo } from "../components/ErrorNote";
import { StepFrame, fail } from "./StepFrame";
import { chainOutcome, providerLabel, stepTitles, userIdExample, usageLabels } from "../../shared/setup";
import type { StepProps } from "./types";

const hops = [
  ["pod", "Pod"],
  ["proxy", "Proxy"],
  ["ports", "Router ports"],
  ["dns", "Dynamic DNS"],
  ["certs", "Certificate"],
] as const;

/** Step 6: the permanent address and the user IDs it implies, an explicit confirmation, then Start pod with each hop's progress. */
export function ReviewStep({ view, progress, back, returnTo, finish, carriedError }: StepProps) {
  const { settings } = view;
  const address = podUrl(settings);
  const userId = userIdExample(settings);
  const [confirmed, setConfirmed] = useState(false);
  const [startedAt, setStartedAt] = useState<number | undefined>();
  const starting = startedAt !== undefined;
  const status = useStatus();

  // While starting: follow the status events until the chain works or a hop fails (handled once).
  const outcome = startedAt !== undefined && status ? chainOutcome(status, settings, startedAt) : undefined;
  const handled = useRef(false);
  useEffect(() => {
    if (!outcome || outcome.kind === "working" || handled.current) return;
    handled.current = true;
    if (outcome.kind === "done") return finish();
    // Nothing half-done: stop everything the Start began, and switch off a DNS provider that failed.
    void (async () => {
      const stopped = await call("pod.stop", {}).catch(() => undefined);
      if (stopped) showStatus(stopped);
      if (outcome.step === "name") await call("settings.set", { changes: { "dns.provider": "none" } }).catch(() => undefined);
      returnTo(outcome.step, outcome.error);
    })();
  }, [outcome, finish, returnTo]);

  const start = async () => {
    if (!address) fail({ code: "no-domain", field: "domain", message: "The pod has no name yet.", fix: `Go back to "${stepTitles.name}" and enter one.` });
    if (!confirmed) fail({ code: "confirm", message: "Confirm that the address is right: it can never change after the first start.", fix: "Tick the box above, then press Start pod." });
    const at = Date.now();
    try {
      const started = await call("pod.start", {});
      showStatus(started);
      // A failure kept from an earlier try would hold the next one back: after a fix, try at once.
      if (settings.certs.mode === "acme" && started.certs.state === "failed") void call("certs.renew", {}).catch(() => undefined);
    } catch (error) {
      await call("pod.stop", {}).catch(() => undefined);
      fail(toErrorInfo(error));
    }
    setStartedAt(at);
  };

  return (
    <StepFrame step="review" why="The pod's address becomes part of every user's ID the moment it first starts, so check it now: it can never change afterwards." onBack={starting ? undefined : back} carriedError={carriedError} nextLabel="Start pod" busyLabel="Starting the pod…" {...(starting ? {} : { onNext: start })}>
      <dl className="facts wizard-summary">
        <div>
          <dt>This PC</dt>
          <dd>{progress.usage ? usageLabels[progress.usage].label : "not chosen"}</dd>
        </div>
        <div>
          <dt>Pod</dt>
          <dd>{settings.pod.profile === "diaspora" ? `diaspora* in ${settings.pod.dir}` : `${settings.pod.command} ${settings.pod.args.join(" ")}`}</dd>
        </div>
        <div>
          <dt>Name</dt>
          <dd>{settings.dns.provider === "none" ? "your own DNS" : providerLabel(settings.dns.provider)}</dd>
        </div>
        <div>
          <dt>Certificate</dt>
          <dd>{settings.certs.mode === "acme" ? `public, from ${hostOf(settings.certs.acme.directoryUrl)}` : "podhost's own CA (this network only)"}</dd>
        </div>
      </dl>
      <div className="wizard-address">
        <p>
          The pod's permanent address: <strong data-pod-url="">{address ?? "no name yet"}</strong>
        </p>
        {userId ? (
          <p>
            Your users' IDs will look like <strong data-user-id="">{userId}</strong>.
          </p>
        ) : null}
      </div>
      <div className="check">
        <input type="checkbox" id="wizard-confirm" checked={confirmed} disabled={starting} onChange={(event) => setConfirmed(event.target.checked)} />
        <label htmlFor="wizard-confirm" className="field-label">
          I understand that this address and these user IDs can never change.
        </label>
      </div>
      {starting && status ? <ChainProgress status={status} /> : null}
    </StepFrame>
  );
}

function ChainProgress({ status }: { status: StatusSnapshot }) {
  const certs = status.certs;
  return (
    <section className="extra" aria-labelledby="wizard-chain" data-chain="">
      <h3 id="wizard-chain">Starting</h3>
      <ul className="wizard-chain">
        {hops.map(([name, label]) => (
          <li key={name} data-hop={name}>
            {label}: <StatePill state={status[name].state} tone={toneOf(status[name])} /> <span className="muted">{status[name].message}</span>
          </li>
        ))}
      </ul>
      {certs.state === "issuing" ? <progress aria-label="Getting the certificate" /> : null}
    </section>
  );
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}
