import { formatBytes, type SnapshotInfo } from "../../shared/backup";
import { Time } from "../components/Facts";

/** The backups, newest first: when, how big, what each holds; `pick` adds a choice per row (the Restore page). */
export function SnapshotTable({ snapshots, picked, pick }: { snapshots: SnapshotInfo[]; picked?: string; pick?: (id: string) => void }) {
  if (snapshots.length === 0) return <p data-snapshots="none">No backups yet.</p>;
  return (
    <table className="processes history" data-snapshots="">
      <thead>
        <tr>
          {pick ? <th scope="col">Pick</th> : null}
          <th scope="col">Made</th>
          <th scope="col">Size</th>
          <th scope="col">Holds</th>
          <th scope="col">Snapshot</th>
        </tr>
      </thead>
      <tbody>
        {snapshots.map((s) => (
          <tr key={s.id} data-snapshot={s.shortId}>
            {pick ? (
              <td>
                <input type="radio" name="snapshot" aria-label={`Restore the backup of ${new Date(s.time).toLocaleString()}`} checked={picked === s.id} onChange={() => pick(s.id)} />
              </td>
            ) : null}
            <td>
              <Time ms={Date.parse(s.time)} />
            </td>
            <td>{s.totalBytes !== undefined ? `${formatBytes(s.totalBytes)} (${s.files} files)` : "not measured"}</td>
            <td>{s.holds.join(", ")}</td>
            <td>
              <code>{s.shortId}</code>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
