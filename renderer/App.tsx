import { useEffect, useState, useSyncExternalStore, type MouseEvent } from "react";
import { overallState, type StatusSnapshot } from "../shared/status";
import { call, isUnauthorized, onUnauthorized } from "./api";
import type { Notice } from "../shared/notices";
import { startLive, useAnnouncement, useConnection, useStatus } from "./live";
import { href, useRoute, type Route } from "./router";
import { overallTone } from "./words";
import { StatePill } from "./components/StatePill";
import { StatusPage } from "./pages/StatusPage";
import { SettingsPage } from "./pages/SettingsPage";
import { LogsPage } from "./pages/LogsPage";
import { DiagnosticsPage } from "./pages/DiagnosticsPage";
import { NotFoundPage } from "./pages/NotFoundPage";
import { UnauthorizedPage } from "./pages/UnauthorizedPage";
import { SetupWizard } from "./wizard/SetupWizard";
import { FirstRunInvitation } from "./wizard/FirstRunInvitation";
import { BackupsPage } from "./backup/BackupsPage";
import { RestorePage } from "./backup/RestorePage";

const navItems = [
  { page: "status", label: "Status" },
  { page: "settings", label: "Settings" },
  { page: "logs", label: "Logs" },
  { page: "diagnostics", label: "Diagnostics" },
  { page: "backups", label: "Backups" },
] as const;

export function App() {
  const unauthorized = useSyncExternalStore(onUnauthorized, isUnauthorized);
  useEffect(() => (unauthorized ? undefined : startLive()), [unauthorized]);
  return unauthorized ? <UnauthorizedPage /> : <Shell />;
}

function Shell() {
  const route = useRoute();
  const status = useStatus();
  const announcement = useAnnouncement();

  // The skip link must not change the hash: the hash is the route.
  const skipToContent = (event: MouseEvent) => {
    event.preventDefault();
    document.getElementById("main")?.focus();
  };

  return (
    <div className="app">
      <a className="skip-link" href="#main" onClick={skipToContent}>
        Skip to content
      </a>
      <header className="topbar">
        <div className="topbar-inner">
          <span className="brand">podhost</span>
          <OverallState status={status} />
          <nav aria-label="Main" className="mainnav">
            <ul>
              {navItems.map((item) => (
                <li key={item.page}>
                  <a href={href(item.page)} aria-current={route.page === item.page ? "page" : undefined}>
                    {item.label}
                  </a>
                </li>
              ))}
            </ul>
          </nav>
        </div>
      </header>
      <ConnectionBanner />
      <main id="main" className="content" tabIndex={-1}>
        {status?.daemon.logProblem ? (
          <div className="notices">
            <p className="notice" role="alert" data-log-problem="">
              {status.daemon.logProblem.message} ({status.daemon.logProblem.linesLost} lines lost so far.)
            </p>
          </div>
        ) : null}
        {status ? <Notices notices={status.daemon.notices} /> : null}
        {status && route.page !== "setup" ? <FirstRunInvitation status={status} /> : null}
        <Page route={route} />
      </main>
      <div className="visually-hidden" aria-live="polite" aria-atomic="true" data-announcer="">
        {announcement}
      </div>
    </div>
  );
}

function Page({ route }: { route: Route }) {
  switch (route.page) {
    case "status":
      return <StatusPage />;
    case "settings":
      return <SettingsPage section={route.section} />;
    case "logs":
      return <LogsPage />;
    case "diagnostics":
      return <DiagnosticsPage />;
    case "setup":
      return <SetupWizard />;
    case "backups":
      return route.section === "restore" ? <RestorePage /> : <BackupsPage />;
    default:
      return <NotFoundPage path={route.path} />;
  }
}

function OverallState({ status }: { status: StatusSnapshot | null }) {
  const state = status ? overallState(status) : undefined;
  return (
    <p className="overall" data-overall-state={state ?? "unknown"}>
      <span className="visually-hidden">Overall state: </span>
      {state ? <StatePill state={state} tone={overallTone[state]} /> : <StatePill state="checking" tone="off" />}
    </p>
  );
}

function ConnectionBanner() {
  const connection = useConnection();
  return (
    <div className="connection" role="status">
      {connection === "reconnecting" ? <p className="banner">Lost touch with podhost: reconnecting…</p> : null}
    </div>
  );
}

/**
 * What the daemon wants the user to know about their data (a settings field that fell back to its
 * default, a damaged file). Each stays until fixed or dismissed here: dismissing is kept by podhost.
 */
function Notices({ notices }: { notices: Notice[] }) {
  const [dismissing, setDismissing] = useState<string[]>([]);
  const [problem, setProblem] = useState<string | undefined>();
  const visible = notices.filter((notice) => !dismissing.includes(notice.id));
  if (visible.length === 0 && !problem) return null;
  const dismiss = (id: string) => {
    setDismissing([...dismissing, id]);
    call("notices.dismiss", { id }).then(
      () => setProblem(undefined),
      (error: Error) => {
        setDismissing((ids) => ids.filter((other) => other !== id));
        setProblem(`Could not dismiss the notice: ${error.message}`);
      },
    );
  };
  return (
    <div className="notices">
      {visible.map((notice) => (
        <div className="notice" role="alert" key={notice.id} data-notice={notice.id}>
          <p>{notice.text}</p>
          <button type="button" className="button small" aria-label="Dismiss notice" onClick={() => dismiss(notice.id)}>
            Dismiss
          </button>
        </div>
      ))}
      {problem ? <p role="alert">{problem}</p> : null}
    </div>
  );
}
