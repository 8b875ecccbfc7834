import { useEffect, useRef, useState } from "react";
import type { SettingsView } from "../../shared/api";
import type { DoctorReport } from "../../shared/doctor";
import type { UserErrorInfo } from "../../shared/errors";
import { podUrl } from "../../shared/settings";
import { reachVerdict } from "../../shared/setup";
import { call } from "../api";
import { href } from "../router";
import { ErrorNote, toErrorInfo } from "../components/ErrorNote";
import { Time } from "../components/Facts";

/** The tray app's window runs in Electron; a plain browser has no tray to speak of. */
const inTrayApp = typeof navigator !== "undefined" && /\bElectron\//.test(navigator.userAgent);

/**
 * The setup's last word. It runs the doctor first and says exactly what holds: on the internet,
 * reachable but with a certificate other pods refuse, not confirmed, or this network only.
 */
export function Finished({ view, restart }: { view: SettingsView; restart: () => void }) {
  const address = podUrl(view.settings);
  const heading = useRef<HTMLHeadingElement>(null);
  const [report, setReport] = useState<DoctorReport | undefined>();
  const [error, setError] = useState<UserErrorInfo | undefined>();
  useEffect(() => {
    call("doctor.run", {}).then(setReport, (failure: unknown) => setError(toErrorInfo(failure)));
  }, []);
  useEffect(() => {
    if (report || error) heading.current?.focus();
  }, [report, error]);
  const verdict = report ? reachVerdict(report, view.settings.certs.mode) : undefined;
  return (
    <section className="wizard-step" data-step="done" data-reach={verdict?.level} aria-labelledby="wizard-done" aria-busy={!report && !error}>
      <h2 id="wizard-done" ref={heading} tabIndex={-1}>
        {verdict ? verdict.headline : error ? "The pod started, but the doctor could not check it" : "Checking what holds…"}
      </h2>
      {error ? <ErrorNote error={error} /> : null}
      {verdict && report ? (
        <>
          <p className="lead">
            <strong data-pod-url="">{address}</strong>: {verdict.detail} <span className="muted">(checked <Time ms={report.checkedAt} />)</span>
          </p>
          {verdict.fix ? (
            <p>
              <strong>Next: </strong>
              {verdict.fix}
            </p>
          ) : null}
          <p>
            {inTrayApp ? (
              "The tray's Start pod and Stop pod"
            ) : (
              <>
                Start pod and Stop pod on the Status page (or <code>podhost start</code> / <code>podhost stop</code>)
              </>
            )}{" "}
            run the whole chain from now on; Settings changes any of it with the same checks, and{" "}
            <a href={href("diagnostics")}>Diagnostics</a> runs the doctor again.
          </p>
        </>
      ) : null}
      <div className="button-row">
        <a className="button primary" href={href("status")}>
          Go to Status
        </a>
        <button type="button" className="button" onClick={restart}>
          Run the setup again
        </button>
      </div>
    </section>
  );
}
