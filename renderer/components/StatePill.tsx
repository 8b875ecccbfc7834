import type { Tone } from "../../shared/service-status";
import { stateWord } from "../words";

/** A state word on a tone colour; the word carries the meaning, the colour only repeats it. */
export function StatePill({ state, tone }: { state: string; tone: Tone }) {
  return (
    <span className={`pill tone-${tone}`} data-state={state}>
      {stateWord(state)}
    </span>
  );
}
