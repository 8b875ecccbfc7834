import { useState } from "react";
import type { DoctorReport } from "../../shared/doctor";
import type { Snippet } from "../../shared/webserver";
import { call } from "../api";
import type { UserErrorInfo } from "../../shared/errors";
import { CommandButton } from "../components/CommandButton";
import { ErrorNote, toErrorInfo } from "../components/ErrorNote";
import { ResultBox } from "../components/ResultBox";
import { StepFrame } from "./StepFrame";
import { Choice, TextInput } from "./inputs";
import { reachChanges, type Reach } from "../../shared/setup";
import type { StepProps } from "./types";
import { EnableSteps } from "../components/EnableSteps";

/** Step 4: how the internet gets to podhost's proxy, and the doctor's picture of the path. */
export function ReachStep({ view, progress, save, next, back, carriedError }: StepProps) {
  const { settings } = view;
  const [reach, setReach] = useState<Reach>(progress.reach ?? (settings.webserver.enabled ? "webserver" : settings.ports.upnp ? "upnp" : "manual"));
  const [httpsPort, setHttpsPort] = useState(String(settings.proxy.httpsPort));
  const [httpPort, setHttpPort] = useState(String(settings.proxy.httpPort));
  const [publicPort, setPublicPort] = useState(String(settings.ports.externalHttpsPort));
  const [report, setReport] = useState<DoctorReport | undefined>();
  const [doctorError, setDoctorError] = useState<UserErrorInfo | undefined>();
  const [doctoring, setDoctoring] = useState(false);
  const changes = () => ({ ...reachChanges(reach), "proxy.httpsPort": Number(httpsPort), "proxy.httpPort": Number(httpPort), "ports.externalHttpsPort": Number(publicPort) });
  // The doctor checks the saved settings: save these answers first, so it checks what the user sees.
  const runDoctor = async () => {
    setDoctoring(true);
    setDoctorError(undefined);
    try {
      await save(changes());
      setReport(await call("doctor.run", {}));
    } catch (error) {
      setDoctorError(toErrorInfo(error));
    } finally {
      setDoctoring(false);
    }
  };

  return (
    <StepFrame
      step="reach"
      why="Visitors and other pods must get from the internet to this PC: the router (or your web server) has to pass the web ports on to podhost."
      onBack={back}
      carriedError={carriedError}
      onNext={async () => {
        await save(changes());
        next({ reach });
      }}
    >
      <Choice
        legend="The way in"
        name="reach"
        value={reach}
        onChange={setReach}
        options={[
          { value: "upnp", label: "Let podhost open the router's ports (UPnP)", hint: "podhost asks the router to forward the ports while the pod runs, and closes them when it stops." },
          { value: "manual", label: "I forward the ports on the router myself", hint: "For routers without UPnP, or networks where someone else runs the router." },
          { value: "webserver", label: "My web server on this PC forwards the pod", hint: "Your nginx, Apache, Caddy or lighttpd keeps ports 80/443 and passes the pod's name to podhost." },
        ]}
      />
      <fieldset className="field-group">
        <legend>Ports</legend>
        <TextInput name="proxy.httpsPort" label="podhost's HTTPS port on this PC" type="number" value={httpsPort} onChange={setHttpsPort} />
        <TextInput name="proxy.httpPort" label="podhost's HTTP port on this PC" type="number" value={httpPort} onChange={setHttpPort} hint="Certificates checked over HTTP (HTTP-01) arrive here." />
        {reach === "webserver" ? null : (
          <TextInput name="ports.externalHttpsPort" label="The internet's HTTPS port" type="number" value={publicPort} onChange={setPublicPort} hint="Keep 443: any other port becomes part of the pod's address for good." />
        )}
      </fieldset>
      {reach === "manual" ? <ManualForwarding httpsPort={httpsPort} httpPort={httpPort} publicPort={publicPort} /> : null}
      {reach === "upnp" ? <CommandButton command="ports.checkPodAddress" label="Check my router" params={{}} /> : null}
      {reach === "webserver" ? <WebServerSnippet prepare={() => save(changes())} /> : null}
      <section className="extra" aria-labelledby="wizard-doctor">
        <h3 id="wizard-doctor">The path from the internet to the pod</h3>
        <button type="button" className={doctoring ? "button busy" : "button"} aria-disabled={doctoring} onClick={() => void (doctoring ? undefined : runDoctor())}>
          Run the doctor
        </button>
        {doctorError ? <ErrorNote error={doctorError} /> : null}
        <ResultBox name="wizard-doctor">{report ? <Hops report={report} /> : null}</ResultBox>
      </section>
    </StepFrame>
  );
}

function ManualForwarding({ httpsPort, httpPort, publicPort }: { httpsPort: string; httpPort: string; publicPort: string }) {
  return (
    <div className="callout" data-instructions="manual">
      <p>In your router's settings (often under "Port forwarding" or "Virtual servers"), forward to this PC's address on your network:</p>
      <ul>
        <li>
          TCP {publicPort} → this PC, port {httpsPort} (HTTPS)
        </li>
        <li>TCP 80 → this PC, port {httpPort} (HTTP: certificates and redirects)</li>
      </ul>
      <p>Give this PC a fixed address in the router (DHCP reservation), so the forwarding keeps pointing at it.</p>
    </div>
  );
}

/** The snippet for the server that holds the web ports (nginx when none is found), for the answers saved by `prepare`. */
function WebServerSnippet({ prepare }: { prepare: () => Promise<unknown> }) {
  const [snippet, setSnippet] = useState<Snippet | undefined>();
  const [problem, setProblem] = useState<string | undefined>();
  const show = async () => {
    setProblem(undefined);
    try {
      await prepare();
      const found = await call("webserver.detect", {});
      const server = found.server && found.server !== "unknown" ? found.server : "nginx";
      setSnippet(await call("webserver.snippet", { server, mode: "vhost" }));
    } catch (error) {
      setProblem((error as Error).message);
    }
  };
  return (
    <div className="extra">
      <button type="button" className="button" onClick={() => void show()}>
        Show my web server's config
      </button>
      <ResultBox name="wizard-snippet">
        {problem ? <p>{problem}</p> : null}
        {snippet ? (
          <>
            <p>Put this in {snippet.pathHint}, then:</p>
            <pre className="snippet-text" tabIndex={0} aria-label={`Config for ${snippet.server}`}>
              {snippet.text}
            </pre>
            <EnableSteps steps={snippet.enableSteps} />
          </>
        ) : null}
      </ResultBox>
    </div>
  );
}

function Hops({ report }: { report: DoctorReport }) {
  return (
    <>
      <p className={report.ok ? "doctor-summary ok" : "doctor-summary fail"}>{report.summary}</p>
      <ol className="hop-path" aria-label="The path from the internet to your pod">
        {report.hops.map((hop) => (
          <li key={hop.id} className={`hop hop-${hop.state}`} data-hop={hop.id} data-hop-state={hop.state}>
            <strong className="hop-label">{hop.label}</strong>: {hop.reason}
            {hop.fix ? <span className="hop-fix"> Fix: {hop.fix}</span> : null}
          </li>
        ))}
      </ol>
      <p className="muted">Before the pod starts, the proxy and the pod show as not running: that is expected here.</p>
    </>
  );
}
