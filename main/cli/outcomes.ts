import type { CertsStatus } from "../../shared/certs";
import type { DnsUpdateResult } from "../../shared/dns";
import type { PodState } from "../../shared/pod";

/**
 * Whether a command did what it was asked, so it can exit non-zero when not: scripts and
 * systemd units read the exit code, not the sentence.
 */
export function podCommandDone(command: "start" | "stop" | "restart", state: PodState): boolean {
  return command === "stop" ? state === "stopped" || state === "not-configured" : state === "running" || state === "starting";
}

/** `certs renew`: the certificate asked for was issued (a failure is kept as lastError until one succeeds). */
export function certsRenewDone(status: CertsStatus): boolean {
  return status.state !== "failed" && status.state !== "expired" && status.lastError === undefined;
}

/** `dns update`: the provider took the address, or already had it; stopped, waiting or not sent is a failure. */
export function dnsUpdateDone(result: DnsUpdateResult): boolean {
  return result.outcome === "accepted" || (result.outcome === "skipped" && result.reason === "up-to-date");
}
