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
          This page needs podhost&apos;s link. Open podhost from the tray, or run <code>podhost open</code> on this PC to print the link (<code>podhost open --browser</code> opens it in your browser).
        </p>
        <p>
          The link carries the access key of this PC&apos;s podhost. It does not expire, and anyone who has it can control podhost: keep it to yourself. A browser that opened it stays signed in for 30 days.
        </p>
      </main>
    </div>
  );
}
