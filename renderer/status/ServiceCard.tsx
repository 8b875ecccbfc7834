import type { ReactNode } from "react";
import type { ServiceStatus } from "../../shared/service-status";
import { toneOf, type ServiceName } from "../../shared/status";
import { StatePill } from "../components/StatePill";
import { CommandButton } from "../components/CommandButton";
import { navigate } from "../router";
import { serviceTitles } from "../words";

/** One service: its state word, one plain sentence, and the next thing to do about it. */
export function ServiceCard({ name, status, children }: { name: ServiceName; status: ServiceStatus; children?: ReactNode }) {
  const tone = toneOf(status);
  const headingId = `card-${name}-title`;
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
