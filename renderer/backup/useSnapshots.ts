import { useEffect, useState } from "react";
import type { SnapshotInfo } from "../../shared/backup";
import type { UserErrorInfo } from "../../shared/errors";
import { call } from "../api";
import { toErrorInfo } from "../components/ErrorNote";

/** The repository's snapshot list, read when a repository is set up and again after each new backup. */
export function useSnapshots(ready: boolean, lastBackupAt: number | undefined) {
  const [snapshots, setSnapshots] = useState<SnapshotInfo[] | undefined>();
  const [error, setError] = useState<UserErrorInfo | undefined>();
  useEffect(() => {
    if (!ready) return;
    let current = true;
    call("backup.list", {}).then(
      (answer) => {
        if (!current) return;
        setSnapshots(answer.snapshots);
        setError(undefined);
      },
      (caught: unknown) => current && setError(toErrorInfo(caught)),
    );
    return () => {
      current = false;
    };
  }, [ready, lastBackupAt]);
  return { snapshots, error };
}
