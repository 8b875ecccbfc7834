import { useEffect, useId, useRef, useState } from "react";
import { podUrl } from "../../shared/settings";
import { webServerKinds, webServerNames, type CheckResult, type Snippet, type WebServerDetection, type WebServerKind, type WebServerSnippetParams } from "../../shared/webserver";
import type { UserErrorInfo } from "../../shared/errors";
import type { SettingsExtraProps } from "../settings/extras";
import { call } from "../api";
import { CommandButton } from "../components/CommandButton";
import { ErrorNote, toErrorInfo } from "../components/ErrorNote";
import { ResultBox } from "../components/ResultBox";
import { EnableSteps } from "../components/EnableSteps";

const isKind = (value: unknown): value is WebServerKind => (webServerKinds as readonly unknown[]).includes(value);

/**
 * Settings > Network > "I already run a web server on this PC": what holds 80/443, the config
 * to paste into that server (following the choices in the form above, saved or not), and a
 * check through the real server.
 */
export function WebServerPanel({ view, values }: SettingsExtraProps) {
  const [detection, setDetection] = useState<WebServerDetection | undefined>();
  const headingId = useId();
  if (values("webserver.enabled") !== true) return null;
  const chosen = values("webserver.server");
  const server = isKind(chosen) ? chosen : isKind(detection?.server) ? detection.server : undefined;
  const mode = String(values("webserver.mode"));
  const params: WebServerSnippetParams | undefined = server
    ? {
        server,
        mode: mode as WebServerSnippetParams["mode"],
        ...(mode === "subpath" ? { prefix: String(values("webserver.prefix")) } : {}),
        ...(mode === "vhost" && server === "nginx" ? { passthrough: values("webserver.passthrough") === true } : {}),
      }
    : undefined;
  const url = podUrl(view.settings);
  return (
    <section className="extra" aria-labelledby={headingId} data-extra="webserver">
      <h3 id={headingId}>Config for your web server</h3>
      <CommandButton command="webserver.detect" label="Detect" params={{}} onResult={(answer) => setDetection(answer as WebServerDetection | undefined)} />
      <ResultBox name="webserver.detect">{detection ? <p>{detection.message}</p> : null}</ResultBox>
      {params ? (
        <SnippetView params={params} />
      ) : (
        <p className="callout" data-snippet-missing="">
          {detection ? "podhost could not tell which web server you run: pick it above (Your web server)." : "Press Detect, or pick your web server above, to see its config."}
        </p>
      )}
      {url ? <WebServerCheck url={url} /> : <p className="muted">Set the pod's domain (Settings &gt; Domain &amp; DNS) to check your server.</p>}
    </section>
  );
}

/** The generated snippet, fetched again whenever the choices change; one for other choices is never shown. */
function SnippetView({ params }: { params: WebServerSnippetParams }) {
  const [answer, setAnswer] = useState<{ key: string; snippet?: Snippet; error?: UserErrorInfo } | undefined>();
  const key = JSON.stringify(params);
  useEffect(() => {
    let current = true;
    call("webserver.snippet", JSON.parse(key) as WebServerSnippetParams).then(
      (snippet) => current && setAnswer({ key, snippet }),
      (caught: unknown) => current && setAnswer({ key, error: toErrorInfo(caught) }),
    );
    return () => {
      current = false;
    };
  }, [key]);
  if (answer?.key !== key) return <p role="status">Writing the config…</p>;
  if (answer.error) return <ErrorNote error={answer.error} />;
  return answer.snippet ? <SnippetText snippet={answer.snippet} /> : null;
}

function SnippetText({ snippet }: { snippet: Snippet }) {
  const textRef = useRef<HTMLPreElement>(null);
  const [copied, setCopied] = useState("");
  const captionId = useId();
  const fileName = `podhost-${snippet.server}-${snippet.mode}.conf`;

  // The clipboard needs permission; without it, select the text so Ctrl+C does the rest.
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(snippet.text);
      setCopied("Copied to the clipboard.");
    } catch {
      const pre = textRef.current;
      const selection = window.getSelection();
      if (pre && selection) {
        const range = document.createRange();
        range.selectNodeContents(pre);
        selection.removeAllRanges();
        selection.addRange(range);
      }
      setCopied("The browser did not allow copying: the config is selected, press Ctrl+C (or Cmd+C) to copy it.");
    }
  };

  return (
    <div className="snippet" data-snippet={snippet.server}>
      <p id={captionId}>
        The config for {webServerNames[snippet.server]}. It goes in <code data-path-hint="">{snippet.pathHint}</code>.
      </p>
      {/* Focusable so keyboard users can scroll a long config. */}
      <pre ref={textRef} className="snippet-text" tabIndex={0} role="region" aria-labelledby={captionId} data-snippet-text="">
        {snippet.text}
      </pre>
      <div className="button-row">
        <button type="button" className="button" data-control="snippet-copy" onClick={() => void copy()}>
          Copy
        </button>
        <a className="button" data-control="snippet-save" download={fileName} href={`data:text/plain;charset=utf-8,${encodeURIComponent(snippet.text)}`}>
          Save
        </a>
      </div>
      <p className="copy-result" aria-live="polite">
        {copied}
      </p>
      {snippet.enableSteps.length > 0 ? (
        <>
          <h4>Then switch it on</h4>
          <EnableSteps steps={snippet.enableSteps} />
        </>
      ) : null}
      {snippet.notes.length > 0 ? (
        <ul className="notes">
          {snippet.notes.map((note) => (
            <li key={note}>{note}</li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

/** Ask the pod through the user's server and list what differs from the pod's own answers. */
function WebServerCheck({ url }: { url: string }) {
  const [result, setResult] = useState<CheckResult | undefined>();
  return (
    <div className="webserver-check">
      <h4>Check it</h4>
      <p className="help">Asks {url} for the pod's discovery paths and a page through your server, and compares them with the pod's own answers.</p>
      <CommandButton command="webserver.check" label="Check" params={{ url }} onResult={(answer) => setResult(answer as CheckResult | undefined)} />
      <ResultBox name="webserver.check">
        {result ? (
          result.ok ? (
            <p data-check="ok">Your server forwards the pod correctly: {result.checked.join("; ")}.</p>
          ) : (
            <ul data-check="differences">
              {result.differences.map((d) => (
                <li key={d.path}>
                  <code>{d.path}</code>: {d.message}
                </li>
              ))}
            </ul>
          )
        ) : null}
      </ResultBox>
    </div>
  );
}
