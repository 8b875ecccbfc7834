/**
 * The doctor's answer: the path from the internet to the pod, hop by hop, each with its
 * state, the reason in plain words and the fix. `podhost doctor` prints it; Settings >
 * Diagnostics draws it as a picture of the path.
 */
export const hopIds = ["internet", "dns", "router", "http", "pc", "proxy", "certificate", "pod"] as const;
export type HopId = (typeof hopIds)[number];

export const hopLabels: Record<HopId, string> = {
  internet: "Internet",
  dns: "DNS name",
  router: "Router",
  http: "Port 80",
  pc: "This PC",
  proxy: "Proxy",
  certificate: "Certificate",
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
  /** True when no hop failed and no service reports an error (warnings allowed). */
  ok: boolean;
  /** One line: all clear, or the first hop (from the pod outwards) to fix. */
  summary: string;
}

/**
 * Put the hops in path order and sum them up. `serviceErrors` ("Dynamic DNS: ...") are the
 * services' own errors: the verdict is never "ok" while one is reported, even when every hop passed.
 */
export function doctorReport(checkedAt: number, hops: Hop[], serviceErrors: string[] = []): DoctorReport {
  const ordered = hopIds.map((id) => hops.find((h) => h.id === id)).filter((h): h is Hop => h !== undefined);
  const firstFailure = [...ordered].reverse().find((h) => h.state === "fail");
  const summary = firstFailure
    ? `${firstFailure.label}: ${firstFailure.reason}`
    : serviceErrors[0]
      ? serviceErrors[0]
      : ordered.some((h) => h.state === "warn" || h.state === "skipped")
        ? "Nothing is broken, with notes: see the hops marked note or not checked."
        : "Every hop from the internet to the pod works.";
  return { checkedAt, hops: ordered, ok: !firstFailure && serviceErrors.length === 0, summary };
}

/** A hop with its label. */
export function hop(id: HopId, state: HopState, reason: string, fix?: string): Hop {
  return { id, label: hopLabels[id], state, reason, ...(fix ? { fix } : {}) };
}

/** The hop with this id, when the report has it. */
export function hopOf(report: DoctorReport, id: HopId): Hop | undefined {
  return report.hops.find((h) => h.id === id);
}
