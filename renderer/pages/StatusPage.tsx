import type { StatusSnapshot } from "../../shared/status";
import { useLostTouchSince, useStatus } from "../live";
import { PodControls } from "../status/PodControls";
import { ProcessTable } from "../status/ProcessTable";
import { ServiceCard } from "../status/ServiceCard";
import { statusCardExtras } from "../status/extras";
import { PageHeading } from "../components/PageHeading";
import { href } from "../router";

/** The order a user reads: is my pod up, and is everything in front of it working? */
const cardOrder = ["pod", "proxy", "ports", "dns", "certs"] as const;

export function StatusPage() {
  const status = useStatus();
  return (
    <>
      <PageHeading title="Status" />
      {status ? <StatusCards status={status} /> : <p role="status">Asking podhost for its status…</p>}
    </>
  );
}

function StatusCards({ status }: { status: StatusSnapshot }) {
  const lostTouch = useLostTouchSince() ?? undefined;
  return (
    <>
      <PodControls state={status.pod.state} />
      <p className="diagnose-link">
        Not reachable from outside? <a href={href("diagnostics")}>Diagnose</a> the path from the internet to the pod.
      </p>
      <div className="cards">
        {cardOrder.map((name) => (
          <ServiceCard key={name} name={name} status={status[name]} unknownSince={lostTouch}>
            {name === "pod" ? <ProcessTable processes={status.pod.processes} /> : null}
            {(statusCardExtras[name] ?? []).map((Extra, index) => (
              <Extra key={index} status={status} />
            ))}
          </ServiceCard>
        ))}
      </div>
    </>
  );
}
