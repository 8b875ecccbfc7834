import { useLayoutEffect, useMemo, useRef, useState } from "react";
import type { LogLine } from "../../shared/logs";
import { maxLogLines, useLogs } from "../live";
import { PageHeading } from "../components/PageHeading";

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false });

const matches = (line: LogLine, needle: string) => `${line.level} ${line.source} ${line.text}`.toLowerCase().includes(needle);

/** The daemon's log as it happens: newest at the bottom, followed unless paused. */
export function LogsPage() {
  const lines = useLogs();
  const [filter, setFilter] = useState("");
  const [paused, setPaused] = useState(false);
  const view = useRef<HTMLDivElement>(null);

  const needle = filter.trim().toLowerCase();
  const shown = useMemo(() => (needle ? lines.filter((line) => matches(line, needle)) : lines), [lines, needle]);

  useLayoutEffect(() => {
    if (!paused && view.current) view.current.scrollTop = view.current.scrollHeight;
  }, [shown, paused]);

  return (
    <>
      <PageHeading title="Logs" />
      <div className="log-toolbar">
        <div className="field inline">
          <label htmlFor="log-filter" className="field-label">
            Filter
          </label>
          <input id="log-filter" type="search" value={filter} spellCheck={false} onChange={(event) => setFilter(event.target.value)} />
        </div>
        <button type="button" className="button" aria-pressed={paused} onClick={() => setPaused(!paused)}>
          Pause scrolling
        </button>
        <p className="log-count">
          {needle ? `${shown.length} of ${lines.length} lines` : `${lines.length} lines`} (the last {maxLogLines} are kept)
        </p>
      </div>
      {/* A scrolling region must be reachable by keyboard; it is not announced line by line. */}
      <div className="log-view" ref={view} role="log" aria-live="off" aria-label="Log lines" tabIndex={0}>
        {shown.length === 0 ? (
          <p className="log-empty">{lines.length === 0 ? "No log lines yet." : `No lines match "${filter.trim()}".`}</p>
        ) : (
          <ol className="log-lines">
            {shown.map((line, index) => (
              <li key={index} className={`log-line level-${line.level}`} data-level={line.level}>
                <time dateTime={new Date(line.time).toISOString()}>{timeFormat.format(line.time)}</time>
                <span className="log-level">{line.level}</span>
                <span className="log-source">{line.source}</span>
                <span className="log-text">{line.text}</span>
              </li>
            ))}
          </ol>
        )}
      </div>
    </>
  );
}
