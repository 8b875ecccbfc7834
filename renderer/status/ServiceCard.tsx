import type { ReactNode } from "react";
import { clockTime } from "../../shared/clock-time";
import type { ServiceStatus } from "../../shared/service-status";
import { toneOf, type ServiceName } from "../../shared/status";
import { StatePill } from "../components/StatePill";
import { CommandButton } from "../components/CommandButton";
import { navigate } from "../router";
import { serviceTitles, stateWord } from "../words";

/**
 * One service: its state word, one plain sentence, and the next thing to do about it. With
 * `unknownSince` (the daemon stopped answering) it claims nothing: "unknown since HH:MM", and
 * what was last known, as such.
 */
export function ServiceCard({ name, status, unknownSince, children }: { name: ServiceName; status: ServiceStatus; unknownSince?: number | undefined; children?: ReactNode }) {
  const headingId = `card-${name}-title`;
  if (unknownSince !== undefined) {
    return (
      <section className="card service tone-off" aria-labelledby={headingId} data-service={name} data-state="unknown">
        <div className="card-head">
          <h2 id={headingId}>{serviceTitles[name]}</h2>
          <StatePill state={`unknown since ${clockTime(unknownSince)}`} tone="off" />
        </div>
        <p className="message">
          podhost has not answered since {clockTime(unknownSince)}. Last known: {stateWord(status.state)}, {status.message}
        </p>
      </section>
    );
  }
  const tone = toneOf(status);
  const { action } = status;
  return (
    <section className={`card service tone-${tone}`} aria-labelledby={headingId} data-service={name} data-state={status.state}>
      <div className="card-head">
        <h2 id={headingId}>{serviceTitles[name]}</h2>
        <StatePill state={status.state} tone={tone} />
      </div>
      <p className="message">{status.message}</p>
      {action?.command ? (
        <CommandButton command={action.command} label={action.label} primary />
      ) : action?.page ? (
        <button type="button" className="button primary" data-page={action.page} onClick={() => navigate(action.page ?? "")}>
          {action.label}
        </button>
      ) : null}
      {children}
    </section>
  );
}
