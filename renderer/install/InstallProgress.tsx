import { useId } from "react";
import { describeError } from "../../shared/errors";
import { remainingMs, type InstallStatus, type StepStatus } from "../../shared/install";
import { CommandButton } from "../components/CommandButton";
import { ErrorNote } from "../components/ErrorNote";
import { useNow } from "../status/useNow";
import { formatDuration } from "../words";
import { SystemCheckList } from "./SystemCheckList";

const stepMark: Record<StepStatus["state"], string> = { pending: "off", running: "busy", done: "ok", failed: "error", cancelled: "warn" };
const stepWords: Record<StepStatus["state"], string> = { pending: "to do", running: "running", done: "done", failed: "failed", cancelled: "cancelled" };

/**
 * An install or upgrade as it runs: every step with its state, the current one's elapsed time
 * against its usual duration, the last lines it printed, and after a failure what failed, the
 * full log's path and Retry (or Check again for the system check).
 */
export function InstallProgress({ status }: { status: InstallStatus }) {
  const now = useNow();
  const outputId = useId();
  const job = status.job;
  if (!job) return null;
  const current = job.steps.find((s) => s.id === job.current);
  const active = ["running", "cancelling", "rolling-back", "waiting"].includes(job.state);
  const failedAtCheck = job.failure?.step === "check";
  return (
    <section className="install-progress" data-install-state={job.state} aria-label={`${job.kind === "install" ? "Install" : "Upgrade"} of diaspora* ${job.version}`}>
      <p data-install-message="">{status.message}</p>
      <ol className="install-steps">
        {job.steps.map((step) => (
          <li key={step.id} data-step={step.id} data-step-state={step.state} aria-current={step.id === job.current && active ? "step" : undefined}>
            <span className={`dot tone-${stepMark[step.state]}`} aria-hidden="true" />
            {step.title} <span className="muted">({stepWords[step.state]}{step.state === "done" && step.startedAt && step.endedAt ? `, ${formatDuration(step.endedAt - step.startedAt)}` : ""})</span>
          </li>
        ))}
      </ol>
      {current && job.state === "running" && current.startedAt ? (
        <p data-step-timing="">
          {current.title}: running for {formatDuration(now - current.startedAt)}; it usually takes about {formatDuration(current.estimateMs)}. About {formatDuration(remainingMs(job, now))} left in all.
        </p>
      ) : null}
      {job.outputTail.length > 0 ? (
        <figure className="last-lines">
          <figcaption id={outputId}>Last lines of {current?.title ?? "the step"}</figcaption>
          <pre className="snippet-text" tabIndex={0} role="region" aria-labelledby={outputId} data-output-tail="">
            {job.outputTail.join("\n")}
          </pre>
        </figure>
      ) : null}
      {job.failure && !active ? (
        <>
          <ErrorNote error={{ code: job.failure.code, message: job.failure.rolledBack ? `${job.failure.message} ${job.failure.rolledBack}` : job.failure.message, ...(job.failure.fix ? { fix: job.failure.fix } : {}) }} />
          {job.failure.logFile ? (
            <p className="help">
              The step's full log: <code>{job.failure.logFile}</code>
            </p>
          ) : null}
        </>
      ) : null}
      {failedAtCheck && job.check ? <SystemCheckList check={job.check} /> : null}
      <div className="button-row">
        {job.state === "running" || job.state === "waiting" ? <CommandButton command="install.cancel" label="Cancel" /> : null}
        {(job.state === "failed" || job.state === "cancelled") && !job.failure?.rolledBack && job.kind === "install" ? (
          <CommandButton command="install.retry" label={failedAtCheck ? "Check again" : job.state === "cancelled" ? "Continue" : `Retry from "${job.steps.find((s) => s.id === job.failure?.step)?.title ?? ""}"`} primary />
        ) : null}
      </div>
      <p className="visually-hidden" aria-live="polite">
        {current ? `${current.title}: ${stepWords[current.state]}.` : ""} {job.failure && !active ? describeError(job.failure) : ""}
      </p>
    </section>
  );
}
