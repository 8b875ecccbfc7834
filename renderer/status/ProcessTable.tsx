import type { PodProcessStatus } from "../../shared/pod";
import { formatDuration, stateWord } from "../words";
import { useNow } from "./useNow";
import { TableHead } from "../components/TableHead";

const processTone: Record<PodProcessStatus["state"], string> = { running: "ok", starting: "busy", backoff: "warn", crashed: "error", stopped: "off" };

/** The pod's processes: what runs, since when, how often it had to be restarted, and what it uses. */
export function ProcessTable({ processes }: { processes: PodProcessStatus[] }) {
  const now = useNow();
  if (processes.length === 0) return null;
  return (
    <table className="processes">
      <TableHead caption="Processes" columns={["Name", "State", "PID", "Restarts", "Uptime", "CPU", "Memory"]} />
      <tbody>
        {processes.map((process) => (
          <tr key={process.name} data-process={process.name}>
            <th scope="row">{process.name}</th>
            <td>
              <span className={`dot tone-${processTone[process.state]}`} aria-hidden="true" />
              {stateWord(process.state)}
            </td>
            <td>{process.pid ?? "–"}</td>
            <td>{process.restarts}</td>
            <td>{process.state === "running" && process.startedAt ? formatDuration(now - process.startedAt) : "–"}</td>
            <td data-cpu="">{process.cpuPercent === undefined ? "–" : `${process.cpuPercent.toFixed(1)} %`}</td>
            <td data-memory="">{process.rssBytes === undefined ? "–" : `${(process.rssBytes / 1024 / 1024).toFixed(1)} MiB`}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
