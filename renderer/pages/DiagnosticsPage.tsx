import { useState } from "react";
import type { DoctorReport, HopState } from "../../shared/doctor";
import type { Tone } from "../../shared/service-status";
import { CommandButton } from "../components/CommandButton";
import { PageHeading } from "../components/PageHeading";
import { ResultBox } from "../components/ResultBox";
import { Time } from "../components/Facts";

const stateTones: Record<HopState, Tone> = { ok: "ok", warn: "warn", fail: "error", skipped: "off" };
const stateWords: Record<HopState, string> = { ok: "works", warn: "note", fail: "broken", skipped: "not checked" };

/**
 * The doctor: every hop from the internet to the pod, drawn as the path it is (left to right,
 * wrapping on narrow screens), each with a state word, the reason and the fix.
 */
export function DiagnosticsPage() {
  const [report, setReport] = useState<DoctorReport | undefined>();
  return (
    <>
      <PageHeading title="Diagnostics" />
      <p className="lead">Checks each step a visitor's request takes to reach your pod, and says what to fix where it stops.</p>
      <CommandButton command="doctor.run" label="Run doctor" params={{}} primary onResult={(answer) => setReport(answer as DoctorReport | undefined)} />
      {/* Only the summary is read out; the path is there to explore. */}
      <ResultBox name="doctor.run">{report ? <Summary report={report} /> : null}</ResultBox>
      {report ? <DoctorPath report={report} /> : null}
    </>
  );
}

function Summary({ report }: { report: DoctorReport }) {
  return (
    <p className={report.ok ? "doctor-summary ok" : "doctor-summary fail"} data-doctor-summary="" data-doctor-ok={report.ok}>
      <strong>{report.ok ? "All clear. " : "Needs attention. "}</strong>
      {report.summary} <span className="muted">(checked <Time ms={report.checkedAt} />)</span>
    </p>
  );
}

function DoctorPath({ report }: { report: DoctorReport }) {
  return (
    <ol className="hop-path" aria-label="The path from the internet to your pod">
      {report.hops.map((hop, index) => (
        <li key={hop.id} className={`hop hop-${hop.state}`} data-hop={hop.id} data-hop-state={hop.state} aria-label={`${index + 1}. ${hop.label}: ${stateWords[hop.state]}`}>
          <div className="hop-head">
            <h2 className="hop-label">{hop.label}</h2>
            <span className={`pill tone-${stateTones[hop.state]}`}>{stateWords[hop.state]}</span>
          </div>
          <p className="hop-reason">{hop.reason}</p>
          {hop.fix ? (
            <p className="hop-fix">
              <strong>Fix: </strong>
              {hop.fix}
            </p>
          ) : null}
          {index < report.hops.length - 1 ? (
            <span className="hop-arrow" aria-hidden="true">
              →
            </span>
          ) : null}
        </li>
      ))}
    </ol>
  );
}
