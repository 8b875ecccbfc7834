import { useId, useState } from "react";
import type { UserErrorInfo } from "../../shared/errors";
import type { InstallPlan, InstallStatus, SystemCheck } from "../../shared/install";
import { call } from "../api";
import { CommandButton } from "../components/CommandButton";
import { ErrorNote, toErrorInfo } from "../components/ErrorNote";
import { Time } from "../components/Facts";
import { formatDuration } from "../words";
import { InstallProgress } from "./InstallProgress";
import { SystemCheckList } from "./SystemCheckList";

const gigabytes = (bytes: number) => `${(bytes / 1024 ** 3).toFixed(1)} GB`;

/**
 * "Install diaspora* for me": first what it will do (the steps, the disk and time they take,
 * this computer's check with a command for each missing piece and Check again), then the
 * install's progress; once installed, the releases seen and the upgrade.
 */
export function InstallPanel({ status }: { status: InstallStatus | undefined }) {
  const headingId = useId();
  const [plan, setPlan] = useState<InstallPlan | undefined>();
  const [check, setCheck] = useState<SystemCheck | undefined>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<UserErrorInfo | undefined>();
  const job = status?.job;
  const active = job !== undefined && ["running", "waiting", "cancelling", "rolling-back"].includes(job.state);

  const look = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const [nextPlan, nextCheck] = await Promise.all([call("install.plan", { kind: "install" }), call("install.checkSystem", {})]);
      setPlan(nextPlan);
      setCheck(nextCheck);
    } catch (caught) {
      setError(toErrorInfo(caught));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="extra install-panel" aria-labelledby={headingId} data-extra="install">
      <h3 id={headingId}>Install diaspora* for me</h3>
      {status && job && job.state !== "done" ? <InstallProgress status={status} /> : null}
      {status?.releases.installed && !active ? <Releases status={status} /> : null}
      {!job && !status?.releases.installed ? (
        <>
          <p>
            podhost can get diaspora* with git into its own data folder, write its configuration, install its gems, create its database in podhost's own PostgreSQL and build its
            stylesheets, then hand over to Start pod. First it shows what it will do.
          </p>
          {!plan ? (
            <button type="button" className="button" aria-disabled={busy} data-command="install.plan" onClick={() => void (busy || look())}>
              {busy ? "Looking up the latest release…" : "Show what it will do"}
            </button>
          ) : (
            <PlanView plan={plan} />
          )}
          {check ? <SystemCheckList check={check} /> : null}
          {plan ? (
            <div className="button-row">
              <button type="button" className="button" aria-disabled={busy} data-command="install.checkSystem" onClick={() => void (busy || look())}>
                Check again
              </button>
              <CommandButton command="install.start" label={`Install diaspora* ${plan.version}`} params={{ version: plan.version }} primary />
            </div>
          ) : null}
        </>
      ) : null}
      {error ? <ErrorNote error={error} /> : null}
    </section>
  );
}

function PlanView({ plan }: { plan: InstallPlan }) {
  const tight = plan.freeBytes !== undefined && plan.freeBytes < plan.diskBytes;
  return (
    <div className="install-plan" data-install-plan={plan.version}>
      <p>
        diaspora* <strong>{plan.version}</strong> (the newest stable release of {plan.repository}) goes into <code>{plan.dir}</code>. It needs about {gigabytes(plan.diskBytes)} of disk
        {plan.freeBytes !== undefined ? ` (${gigabytes(plan.freeBytes)} free)` : ""} and usually about {formatDuration(plan.typicalMs)}:
      </p>
      {tight ? <p className="callout warn">There is less free disk than the install needs: free some space first.</p> : null}
      <ol>
        {plan.steps.map((step) => (
          <li key={step.id}>
            <strong>{step.title}</strong>: {step.what} <span className="muted">(about {formatDuration(step.typicalMs)})</span>
          </li>
        ))}
      </ol>
      <p className="help" data-tested-with="">
        {plan.testedWith}
      </p>
    </div>
  );
}

function Releases({ status }: { status: InstallStatus }) {
  const { releases } = status;
  return (
    <div data-releases="">
      <p>
        podhost installed diaspora* <strong>{releases.installed}</strong>.{" "}
        {releases.checkedAt ? (
          <>
            The newest release seen is {releases.latest ?? "unknown"} (asked <Time ms={releases.checkedAt} />
            ).
          </>
        ) : (
          "podhost has not looked for newer releases (pod.install.checkReleases is off)."
        )}
        {releases.error ? ` The last look failed: ${releases.error}` : ""}
      </p>
      {status.job?.state === "done" && status.job.kind === "upgrade" ? <p>{status.message}</p> : null}
      <div className="button-row">
        <CommandButton command="install.checkReleases" label="Look for a new release now" />
        {releases.upgrade ? <CommandButton command="install.upgrade" label={`Upgrade to ${releases.upgrade}`} params={{ version: releases.upgrade }} primary /> : null}
      </div>
      {releases.upgrade ? <p className="help">The upgrade backs the pod up first, and goes back to {releases.installed} and its database if anything fails.</p> : null}
    </div>
  );
}
