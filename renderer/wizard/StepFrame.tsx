import { useEffect, useRef, useState, type FormEvent, type ReactNode } from "react";
import type { UserErrorInfo } from "../../shared/errors";
import { ApiError } from "../api";
import { ErrorNote, toErrorInfo } from "../components/ErrorNote";
import { stepTitles, type StepId } from "../../shared/setup";

/** Stop a step's Next with what failed and what to do (shown in the step, focus stays). */
export function fail(info: UserErrorInfo): never {
  throw new ApiError(info, 0);
}

interface StepFrameProps {
  step: StepId;
  /** One sentence: why this step matters. */
  why: string;
  children: ReactNode;
  /** Save and check the step; throws (see `fail`) to stay on it. Undefined: no Next button. */
  onNext?: () => Promise<void>;
  onBack?: () => void;
  nextLabel?: string;
  /** What the user sees while Next works (long steps say what they wait for). */
  busyLabel?: string;
  /** A failure found later (after Start pod) that belongs to this step. */
  carriedError?: UserErrorInfo;
}

/**
 * One wizard step: its heading (which takes focus when the step appears), the why, the form,
 * Back/Next, a progress line while Next works, and the failure with its fix.
 */
export function StepFrame({ step, why, children, onNext, onBack, nextLabel = "Next", busyLabel = "Saving…", carriedError }: StepFrameProps) {
  const heading = useRef<HTMLHeadingElement>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<UserErrorInfo | undefined>(carriedError);
  useEffect(() => heading.current?.focus(), [step]);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (busy || !onNext) return;
    setBusy(true);
    setError(undefined);
    onNext()
      .catch((caught: unknown) => setError(toErrorInfo(caught)))
      .finally(() => setBusy(false));
  };

  const headingId = `wizard-step-${step}`;
  return (
    // Changing an answer clears the last failure: it was about the old answers.
    <form className="wizard-step" data-step={step} aria-labelledby={headingId} onSubmit={submit} onChange={() => setError(undefined)} noValidate>
      <h2 id={headingId} ref={heading} tabIndex={-1}>
        {stepTitles[step]}
      </h2>
      <p className="lead why">{why}</p>
      {children}
      <div className="wizard-status" role="status">
        {busy ? (
          <p className="wizard-busy">
            <progress aria-label={busyLabel} /> {busyLabel}
          </p>
        ) : null}
      </div>
      {error ? <ErrorNote error={error} /> : null}
      <div className="button-row wizard-nav">
        {onBack ? (
          <button type="button" className="button" onClick={onBack}>
            Back
          </button>
        ) : null}
        {onNext ? (
          <button type="submit" className="button primary" aria-disabled={busy} data-next="">
            {nextLabel}
          </button>
        ) : null}
      </div>
    </form>
  );
}
