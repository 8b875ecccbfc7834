import { useId, useState } from "react";
import type { PodStatus } from "../../shared/pod";
import type { StatusExtraProps } from "../status/extras";
import { CommandButton } from "../components/CommandButton";
import { ResultBox } from "../components/ResultBox";
import { href } from "../router";
import { TableHead } from "../components/TableHead";

/**
 * The Status page's Pod card, below the process table: what stops the pod from starting (each
 * with its fix and a link to its setting), who holds its port, what podhost wrote into
 * diaspora.toml, and after a crash loop the last lines of the log.
 */
export function PodDetails({ status }: StatusExtraProps) {
  const pod = status.pod;
  return (
    <>
      {pod.portConflict ? <PortConflict conflict={pod.portConflict} /> : null}
      {pod.problems && pod.problems.length > 0 ? <Problems problems={pod.problems} /> : null}
      {pod.state === "crashed" && pod.lastLines && pod.lastLines.length > 0 ? <LastLines lines={pod.lastLines} /> : null}
      {pod.configChanges && pod.configChanges.length > 0 ? <ConfigChanges changes={pod.configChanges} /> : null}
    </>
  );
}

function Problems({ problems }: { problems: NonNullable<PodStatus["problems"]> }) {
  return (
    <div className="pod-problems">
      <h3>What stops the pod from starting</h3>
      <ul className="problem-list" data-pod-problems="">
        {problems.map((problem) => (
          <li key={`${problem.code}-${problem.field ?? ""}`} data-problem={problem.code}>
            <p>{problem.message}</p>
            {problem.fix ? <p className="fix">{problem.fix}</p> : null}
            {problem.field ? (
              <a href={href(`settings/${problem.field}`)} data-setting-link={problem.field}>
                Change <code>{problem.field}</code> in Settings
              </a>
            ) : null}
          </li>
        ))}
      </ul>
    </div>
  );
}

function PortConflict({ conflict }: { conflict: NonNullable<PodStatus["portConflict"]> }) {
  const [saved, setSaved] = useState<string | undefined>();
  const { port, holder, suggestedPort } = conflict;
  return (
    <div className="port-conflict" data-port-conflict={port}>
      <p>
        Port {port} is taken by{" "}
        {holder ? (
          <strong data-port-holder="">
            {holder.program} (process {holder.pid})
          </strong>
        ) : (
          "another program"
        )}
        .
      </p>
      {suggestedPort ? (
        <CommandButton
          command="settings.set"
          label={`Use port ${suggestedPort}`}
          params={{ changes: { "pod.port": suggestedPort } }}
          primary
          onResult={(answer) => setSaved(answer === undefined ? undefined : `The pod now uses port ${suggestedPort}. Start the pod again.`)}
        />
      ) : null}
      <ResultBox name="pod.port">{saved ? <p>{saved}</p> : null}</ResultBox>
    </div>
  );
}

function LastLines({ lines }: { lines: string[] }) {
  const captionId = useId();
  return (
    <figure className="last-lines" data-last-lines="">
      <figcaption id={captionId}>Last lines of the log</figcaption>
      {/* Focusable so keyboard users can scroll it. */}
      <pre className="snippet-text" tabIndex={0} role="region" aria-labelledby={captionId}>
        {lines.join("\n")}
      </pre>
    </figure>
  );
}

function ConfigChanges({ changes }: { changes: NonNullable<PodStatus["configChanges"]> }) {
  return (
    <table className="processes history" data-config-changes="">
      <TableHead caption="What podhost changed in config/diaspora.toml" columns={["Key", "Was", "Now"]} />
      <tbody>
        {changes.map((change) => (
          <tr key={change.key}>
            <th scope="row">
              <code>{change.key}</code>
            </th>
            <td>{change.from ?? "(not set)"}</td>
            <td>{change.to}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
