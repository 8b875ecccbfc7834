import type { SystemCheck } from "../../shared/install";
import { Time } from "../components/Facts";

/** The system check: each piece diaspora* needs, found or missing, with the command that installs it on this OS. */
export function SystemCheckList({ check }: { check: SystemCheck }) {
  return (
    <div className="system-check" data-system-check={check.ok ? "ok" : "missing"}>
      <p>
        What diaspora* needs on {check.os.name} (checked <Time ms={check.checkedAt} />
        {check.rubyVersion ? `; the release asks for Ruby ${check.rubyVersion}` : ""}):
      </p>
      <ul className="check-list">
        {check.items.map((item) => (
          <li key={item.id} data-check-item={item.id} data-ok={item.ok}>
            <span className={`dot tone-${item.ok ? "ok" : "error"}`} aria-hidden="true" />
            <strong>{item.label}</strong>
            <span className="visually-hidden">{item.ok ? ": found" : ": missing"}</span>
            {item.found ? <span className="muted"> — {item.found}</span> : null}
            {!item.ok ? (
              <>
                <p>{item.problem}</p>
                {item.fix ? (
                  <p>
                    Run: <code className="command-line">{item.fix}</code>
                  </p>
                ) : null}
              </>
            ) : null}
          </li>
        ))}
      </ul>
    </div>
  );
}
