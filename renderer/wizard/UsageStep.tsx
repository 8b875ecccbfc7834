import { useState } from "react";
import { StepFrame, fail } from "./StepFrame";
import { Choice } from "./inputs";
import { usageDefaults, usageLabels, type Usage } from "../../shared/setup";
import type { StepProps } from "./types";

const usages = Object.keys(usageLabels) as Usage[];

export function UsageStep({ progress, save, next, carriedError }: StepProps) {
  const [usage, setUsage] = useState<Usage | undefined>(progress.usage);
  return (
    <StepFrame
      step="usage"
      why="podhost picks the defaults of every later step from this, so the pod fits in with what this PC already does."
      carriedError={carriedError}
      onNext={async () => {
        if (!usage) fail({ code: "choose-usage", message: "Choose how this PC is used.", fix: "Pick one of the three ways above, then press Next." });
        const defaults = usageDefaults(usage);
        await save(defaults.changes);
        next({ usage, reach: defaults.reach });
      }}
    >
      <Choice legend="This PC is" name="usage" value={usage} onChange={setUsage} options={usages.map((value) => ({ value, ...usageLabels[value] }))} />
    </StepFrame>
  );
}
