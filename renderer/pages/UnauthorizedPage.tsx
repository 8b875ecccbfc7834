import { useEffect } from "react";

/** Shown instead of everything else when the daemon answers 401: the session cookie is missing or stale. */
export function UnauthorizedPage() {
  useEffect(() => {
    document.title = "Open podhost from its link · podhost";
  }, []);
  return (
    <div className="app">
      <header className="topbar">
        <div className="topbar-inner">
          <span className="brand">podhost</span>
        </div>
      </header>
      <main id="main" className="content narrow">
        <h1>Open podhost from its link</h1>
        <p className="lead" data-screen="unauthorized">
          This page needs the link podhost printed (it carries a one-time key). Open podhost from the tray, or run <code>podhost status</code> to see the link.
        </p>
      </main>
    </div>
  );
}
