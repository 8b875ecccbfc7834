import type { StatusExtraProps } from "../status/extras";
import { InstallProgress } from "./InstallProgress";

/** The Status page's Pod card: an install or upgrade in progress (or stopped at a step). */
export function InstallStatusDetails({ status }: StatusExtraProps) {
  const install = status.install;
  if (!install?.job || install.job.state === "done") return null;
  return <InstallProgress status={install} />;
}
