import { describeError } from "../../../shared/errors";
import type { InstallStatus, ReleaseInfo } from "../../../shared/install";
import type { JobRecord } from "./job";

/** The installer's status: the job with its output tail, one plain sentence, and the next action. */
export function describeStatus(record: JobRecord | undefined, tail: string[], releases: ReleaseInfo): InstallStatus {
  if (!record) {
    return releases.upgrade
      ? { state: "idle", message: `diaspora* ${releases.upgrade} is available (this pod runs ${releases.installed}).`, action: { label: `Upgrade to ${releases.upgrade}`, command: "install.upgrade" }, releases }
      : { state: "idle", message: "podhost has not installed diaspora* here.", releases };
  }
  const { journal: _journal, repository: _repository, rollback: _rollback, ...job } = record;
  const what = `${job.kind === "install" ? "Installing" : "Upgrading to"} diaspora* ${job.version}`;
  const current = job.steps.find((s) => s.id === job.current);
  const position = current ? `step ${job.steps.indexOf(current) + 1} of ${job.steps.length}, ${current.title}` : "";
  const base = { job: { ...job, outputTail: tail }, releases };
  switch (job.state) {
    case "running":
      return { ...base, state: "running", message: `${what}: ${position}.`, action: { label: "Cancel", command: "install.cancel" } };
    case "waiting":
      return { ...base, state: "waiting", message: `${what}: waiting for ${job.waitingFor}.`, action: { label: "Set the domain", page: "settings/domain" } };
    case "cancelling":
      return { ...base, state: "cancelling", message: `${what}: cancelling ${current?.title ?? ""} and undoing what it wrote.` };
    case "rolling-back":
      return { ...base, state: "rolling-back", message: `The upgrade to ${job.version} failed; going back to ${job.from} and the database as it was before.` };
    case "failed": {
      const failure = job.failure;
      const detail = failure ? describeError(failure) : "";
      if (job.kind === "upgrade") return { ...base, state: "failed", message: `The upgrade to diaspora* ${job.version} failed: ${detail}${failure?.rolledBack ? ` ${failure.rolledBack}` : ""}`, action: { label: "Upgrade again", command: "install.upgrade" } };
      return { ...base, state: "failed", message: `${what} stopped at "${job.steps.find((s) => s.id === failure?.step)?.title ?? ""}": ${detail}`, action: { label: "Retry", command: "install.retry" } };
    }
    case "cancelled":
      return { ...base, state: "cancelled", message: `${what} was cancelled${job.failure?.rolledBack ? `: ${job.failure.rolledBack}` : "; nothing half-done was left behind."}`, ...(job.kind === "install" ? { action: { label: "Continue", command: "install.retry" } } : {}) };
    case "done":
      return job.kind === "install"
        ? { ...base, state: "done", message: `diaspora* ${job.version} is installed in ${job.dir}. Start the pod to run it.`, action: { label: "Start pod", command: "pod.start" } }
        : { ...base, state: "done", message: `The pod runs diaspora* ${job.version} (upgraded from ${job.from}).` };
  }
}
