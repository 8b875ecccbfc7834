/**
 * The doctor's answer: the path from the internet to the pod, hop by hop, each with its
 * state, the reason in plain words and the fix. `podhost doctor` prints it; Settings >
 * Diagnostics draws it as a picture of the path.
 */
export const hopIds = ["internet", "dns", "router", "pc", "proxy", "pod"] as const;
export type HopId = (typeof hopIds)[number];

export const hopLabels: Record<HopId, string> = {
  internet: "Internet",
  dns: "DNS name",
  router: "Router",
  pc: "This PC",
  proxy: "Proxy",
  pod: "Pod",
};

export type HopState = "ok" | "fail" | "warn" | "skipped";

export interface Hop {
  id: HopId;
  label: string;
  state: HopState;
  /** What was found, in one or two plain sentences. */
  reason: string;
  /** What to do about it (absent when there is nothing to do). */
  fix?: string;
}

export interface DoctorReport {
  checkedAt: number;
  /** In path order: Internet, DNS name, router, this PC, proxy, pod. */
  hops: Hop[];
  /** True when no hop failed (warnings allowed). */
  ok: boolean;
  /** One line: all clear, or the first hop (from the pod outwards) to fix. */
  summary: string;
}

/** Put the hops in path order and sum them up. */
export function doctorReport(checkedAt: number, hops: Hop[]): DoctorReport {
  const ordered = hopIds.map((id) => hops.find((h) => h.id === id)).filter((h): h is Hop => h !== undefined);
  const firstFailure = [...ordered].reverse().find((h) => h.state === "fail");
  return {
    checkedAt,
    hops: ordered,
    ok: !firstFailure,
    summary: firstFailure ? `${firstFailure.label}: ${firstFailure.reason}` : ordered.some((h) => h.state === "warn") ? "The path works, with notes." : "Every hop from the internet to the pod works.",
  };
}
