import { useCallback, useEffect, useState } from "react";
import type { SettingsView } from "../../shared/api";
import type { UserErrorInfo } from "../../shared/errors";
import { call } from "../api";
import { PageHeading } from "../components/PageHeading";
import { ErrorNote, toErrorInfo } from "../components/ErrorNote";
import { stepIds, stepTitles, type StepId } from "../../shared/setup";
import { loadProgress, saveProgress, stepIndex, type WizardProgress } from "./progress";
import type { StepProps } from "./types";
import { UsageStep } from "./UsageStep";
import { PodStep } from "./PodStep";
import { NameStep } from "./NameStep";
import { ReachStep } from "./ReachStep";
import { CertificateStep } from "./CertificateStep";
import { ReviewStep } from "./ReviewStep";
import { Finished } from "./Finished";
import "./wizard.css";

const steps: Record<StepId, (props: StepProps) => React.JSX.Element> = { usage: UsageStep, pod: PodStep, name: NameStep, reach: ReachStep, certificate: CertificateStep, review: ReviewStep };

/**
 * The first-run wizard (#/setup): six steps from "installed" to "my pod is on the internet".
 * Each step saves its settings through the daemon as it completes; the position is kept in
 * localStorage, so the wizard can be left and resumed.
 */
export function SetupWizard() {
  const [view, setView] = useState<SettingsView | undefined>();
  const [loadError, setLoadError] = useState<UserErrorInfo | undefined>();
  const [progress, setProgress] = useState<WizardProgress>(loadProgress);
  const [carried, setCarried] = useState<{ step: StepId; error: UserErrorInfo } | undefined>();

  useEffect(() => {
    call("settings.get", {}).then(setView, (error: unknown) => setLoadError(toErrorInfo(error)));
  }, []);

  const update = useCallback((next: WizardProgress) => {
    saveProgress(next);
    setProgress(next);
  }, []);

  const goTo = useCallback(
    (step: StepId, patch: Partial<WizardProgress> = {}) => {
      setProgress((current) => {
        const reached = stepIndex(step) > stepIndex(current.reached) ? step : current.reached;
        const next = { ...current, ...patch, step, reached };
        saveProgress(next);
        return next;
      });
    },
    [],
  );

  const save = useCallback(async (changes: Record<string, unknown>) => {
    const saved = await call("settings.set", { changes });
    setView(saved);
    return saved;
  }, []);

  const returnTo = useCallback(
    (step: StepId, error: UserErrorInfo) => {
      setCarried({ step, error });
      goTo(step);
    },
    [goTo],
  );
  const finish = useCallback(() => update({ ...progress, finished: true }), [update, progress]);

  const Step = steps[progress.step];
  const index = stepIndex(progress.step);
  const props: StepProps = {
    view: view!,
    progress,
    save,
    next: (patch) => {
      setCarried(undefined);
      goTo(stepIds[Math.min(index + 1, stepIds.length - 1)]!, patch);
    },
    back: () => {
      setCarried(undefined);
      goTo(stepIds[Math.max(index - 1, 0)]!);
    },
    ...(carried?.step === progress.step ? { carriedError: carried.error } : {}),
    returnTo,
    finish,
  };

  return (
    <div className="wizard">
      <PageHeading title="Set up podhost" />
      <nav aria-label="Setup steps">
        <ol className="wizard-steps">
          {stepIds.map((step, i) => (
            <li key={step} data-wizard-step={step} aria-current={step === progress.step ? "step" : undefined} className={i <= stepIndex(progress.reached) ? "reached" : undefined}>
              <span className="visually-hidden">Step </span>
              {i + 1}. {stepTitles[step]}
            </li>
          ))}
        </ol>
      </nav>
      <p className="visually-hidden" aria-live="polite">{`Step ${index + 1} of ${stepIds.length}`}</p>
      {loadError ? <ErrorNote error={loadError} /> : null}
      {progress.finished && view ? <Finished view={view} restart={() => update({ step: "usage", reached: "usage" })} /> : view ? <Step key={`${progress.step}-${carried?.error.message ?? ""}`} {...props} /> : <p>Loading the settings…</p>}
    </div>
  );
}
