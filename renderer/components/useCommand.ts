import { useCallback, useState } from "react";
import type { UserErrorInfo } from "../../shared/errors";
import type { StatusSnapshot } from "../../shared/status";
import { callByName } from "../api";
import { showStatus } from "../live";
import { toErrorInfo } from "./ErrorNote";

function isSnapshot(value: unknown): value is StatusSnapshot {
  return typeof value === "object" && value !== null && "daemon" in value && "pod" in value;
}

/** Run control API commands from buttons: which one is running, and the last error. */
export function useCommand() {
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<UserErrorInfo | null>(null);

  const run = useCallback(async (name: string, params: Record<string, unknown> = {}): Promise<unknown> => {
    setBusy(name);
    setError(null);
    try {
      const result = await callByName(name, params);
      if (isSnapshot(result)) showStatus(result);
      return result;
    } catch (caught) {
      setError(toErrorInfo(caught));
      return undefined;
    } finally {
      setBusy(null);
    }
  }, []);

  return { busy, error, run };
}
