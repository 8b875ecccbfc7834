import type { FieldLook, FormValues } from "./sections";

/**
 * Settings > Backups: the schedule, retention and checks. The repository and its passphrase are
 * set up on the Backups page (creating or opening a repository is more than saving a value).
 */
const looks: Record<string, FieldLook> = {
  "backup.enabled": { label: "Back up every day (and before a pod identity reset)", order: 0 },
  "backup.hour": { label: "Hour of the daily backup (0-23, this computer's time)", order: 1 },
  "backup.keepDaily": { label: "Daily backups to keep", order: 2 },
  "backup.keepWeekly": { label: "Weekly backups to keep", order: 3 },
  "backup.keepMonthly": { label: "Monthly backups to keep", order: 4 },
  "backup.checkEveryDays": { label: "Verify the backups every (days)", order: 5 },
  "backup.checkReadPercent": { label: "Share of the data each check reads back (%)", order: 6 },
  "backup.paths": { label: "Folders to back up (a JSON list)", placeholder: '["/srv/mypod/data"]' },
  "backup.dumpCommand": { label: "Database dump command (a JSON list)", placeholder: '["docker", "exec", "db", "pg_dumpall", "-U", "postgres"]' },
};

export function backupFieldLook(key: string, values: FormValues): FieldLook | undefined {
  if (key === "backup.repository" || key === "backup.password") return { hidden: true };
  if ((key === "backup.paths" || key === "backup.dumpCommand") && values("pod.profile") !== "custom") return { hidden: true };
  return looks[key];
}
