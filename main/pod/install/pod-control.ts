import { describeError, isUserErrorInfo } from "../../../shared/errors";
import type { PodStatus } from "../../../shared/pod";
import type { Settings } from "../../../shared/settings";
import { fetchAnswer } from "../../webserver/fetch";
import type { PodControl } from "./step-context";

export interface PodControlDeps {
  startPod(): Promise<void>;
  stopPod(): Promise<void>;
  podStatus(): PodStatus;
  settings(): Settings;
  /** The backups service (main/backup): the upgrade's first step. */
  backups: { status(): { state: string }; backupNow(reason: "manual"): Promise<{ snapshotId: string }> };
}

/**
 * What an upgrade does with the running pod, through Host: stop and start it with everything in
 * front of it, and ask for its nodeinfo through podhost's own proxy, as a visitor would.
 */
export function podControl(deps: PodControlDeps): PodControl {
  return {
    stop: () => deps.stopPod(),
    async start() {
      await deps.startPod();
      const status = deps.podStatus();
      return status.state === "running" ? { ok: true } : { ok: false, reason: [status.message, ...(status.problems ?? []).map((p) => p.message)].join(" ") };
    },
    async healthy() {
      const { domain, proxy } = deps.settings();
      try {
        // podhost's own listener on loopback: its certificate may be the local CA's.
        const answer = await fetchAnswer(new URL(`https://${domain}:${proxy.httpsPort}/nodeinfo/2.1`), { connectTo: "127.0.0.1", insecure: true });
        const software = (JSON.parse(answer.body) as { software?: { name?: string; version?: string } }).software;
        if (answer.status === 200 && software?.name) return { ok: true, reason: `${software.name} ${software.version ?? ""}`.trim() };
        return { ok: false, reason: `nodeinfo answered ${answer.status}` };
      } catch (error) {
        return { ok: false, reason: `nodeinfo did not answer: ${(error as Error).message}` };
      }
    },
    async backup() {
      // Without a backup repository the pre-upgrade dump is the only way back: say so, and go on.
      if (deps.backups.status().state === "off") return { ok: true, message: "Backups are not set up, so no backup was made (set them up on the Backups page to have one before every upgrade). The database dump of step 3 is what a failed upgrade goes back to." };
      try {
        const record = await deps.backups.backupNow("manual");
        return { ok: true, message: `Backed up: snapshot ${record.snapshotId.slice(0, 8)}.` };
      } catch (error) {
        return { ok: false, message: isUserErrorInfo(error) ? describeError(error) : String(error) };
      }
    },
  };
}
