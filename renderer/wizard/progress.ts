import { stepIds, type Reach, type StepId, type Usage } from "../../shared/setup";

/**
 * Where the user is in the wizard, kept in localStorage so it can be left and resumed. The
 * settings themselves are saved by the daemon as each step completes; this is only the position
 * and the answers that are not settings.
 */
export interface WizardProgress {
  step: StepId;
  usage?: Usage;
  reach?: Reach;
  /** The last step the user completed, so the step list can offer going back to it. */
  reached: StepId;
  finished?: boolean;
}

const storageKey = "podhost.setup";
const fresh: WizardProgress = { step: "usage", reached: "usage" };

export function loadProgress(): WizardProgress {
  try {
    const parsed = JSON.parse(localStorage.getItem(storageKey) ?? "null") as Partial<WizardProgress> | null;
    if (parsed && stepIds.includes(parsed.step as StepId) && stepIds.includes(parsed.reached as StepId)) return { ...fresh, ...parsed } as WizardProgress;
  } catch {
    // A broken entry starts the wizard over; the saved settings are still there.
  }
  return fresh;
}

export function saveProgress(progress: WizardProgress): void {
  try {
    localStorage.setItem(storageKey, JSON.stringify(progress));
  } catch {
    // Private windows may refuse storage: the wizard still works, it just cannot resume.
  }
}

export const stepIndex = (step: StepId) => stepIds.indexOf(step);
