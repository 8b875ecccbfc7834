import type { SettingsView } from "../../shared/api";
import type { UserErrorInfo } from "../../shared/errors";
import type { StepId } from "../../shared/setup";
import type { WizardProgress } from "./progress";

/** What every step gets from the wizard. */
export interface StepProps {
  view: SettingsView;
  progress: WizardProgress;
  /** settings.set: validated and saved by the daemon; throws with the field's error. */
  save: (changes: Record<string, unknown>) => Promise<SettingsView>;
  /** Go to the next step, remembering answers that are not settings. */
  next: (patch?: Partial<WizardProgress>) => void;
  back: () => void;
  /** A failure after Start pod that this step owns. */
  carriedError?: UserErrorInfo;
  /** From the review: go back to the step that owns a failure, showing it there. */
  returnTo: (step: StepId, error: UserErrorInfo) => void;
  finish: () => void;
}
