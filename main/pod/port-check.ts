import type { UserErrorInfo } from "../../shared/errors";
import type { PodStatus } from "../../shared/pod";
import { describeHolder, findPortHolder, isPortFree, nextFreePort } from "../system/port-holder";

export interface PortProblem {
  problem: UserErrorInfo;
  conflict: NonNullable<PodStatus["portConflict"]>;
}

/**
 * When `port` is taken on 127.0.0.1: who holds it, and the next free port to offer instead.
 * `setting` names where the port is set (a settings key, or a key in the pod's own config);
 * `field` is given only when that is a podhost settings key the UI can point at.
 */
export async function checkPortFree(port: number, setting: string, what: string, field?: string): Promise<PortProblem | undefined> {
  if (await isPortFree(port)) return undefined;
  const [holder, suggestedPort] = await Promise.all([findPortHolder(port), nextFreePort(port)]);
  return {
    problem: {
      code: "port-in-use",
      ...(field ? { field } : {}),
      message: `Port ${port} (${setting}), which ${what} needs, is already used by ${describeHolder(holder)}.`,
      fix: `${holder?.podhost ? "Set" : `Stop ${holder ? holder.program : "that program"}, or set`} ${setting} to ${suggestedPort ?? "another free port"}${suggestedPort ? " (free right now)" : ""}.`,
    },
    conflict: { port, ...(holder ? { holder: { pid: holder.pid, program: holder.program } } : {}), ...(suggestedPort ? { suggestedPort } : {}) },
  };
}
