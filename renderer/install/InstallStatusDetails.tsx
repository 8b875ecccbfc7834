import type { StatusExtraProps } from "../status/extras";
import { InstallProgress } from "./InstallProgress";

/** The Status page's Pod card: an install or upgrade in progress (or stopped at a step). */
export function InstallStatusDetails({ status }: StatusExtraProps) {
  const job = status.install?.job;
  if (!job || job.state === "done") return null;
  return <InstallProgress status={status.install} />;
}
