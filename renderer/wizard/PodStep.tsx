import { useState } from "react";
import { call } from "../api";
import { InstallPanel } from "../install/InstallPanel";
import { useStatus } from "../live";
import { StepFrame, fail } from "./StepFrame";
import { Choice, TextInput } from "./inputs";
import type { StepProps } from "./types";

type Profile = "install" | "diaspora" | "custom";

/** Step 2: which pod runs: diaspora* installed by podhost, a diaspora* checkout, or any command. */
export function PodStep({ view, save, next, back, carriedError }: StepProps) {
  const pod = view.settings.pod;
  const install = useStatus()?.install;
  const [profile, setProfile] = useState<Profile>(install?.job || install?.releases.installed ? "install" : pod.profile);
  const [dir, setDir] = useState(pod.dir);
  const [command, setCommand] = useState(pod.command);
  const [args, setArgs] = useState(pod.args.join("\n"));
  const [port, setPort] = useState(String(pod.port));
  const [healthUrl, setHealthUrl] = useState(pod.healthUrl);

  /** The install runs on while the wizard goes on: its configuration step waits for the domain of the next step. */
  const installGoesOn = () => {
    const job = install?.job;
    if (install?.releases.installed && (!job || job.state === "done")) return;
    if (!job) fail({ code: "install-not-started", message: "diaspora* is not installed yet.", fix: 'Press "Show what it will do", then Install.' });
    if (job.state === "failed" || job.state === "cancelled") {
      fail({ code: "install-stopped", message: `The install stopped at "${job.steps.find((s) => s.id === job.failure?.step)?.title ?? ""}": ${job.failure?.message ?? ""}`, fix: job.failure?.fix ?? "Retry it above." });
    }
  };

  const changes = (): Record<string, unknown> => {
    if (profile === "diaspora") {
      if (!dir.trim()) fail({ code: "pod-dir", field: "pod.dir", message: "The diaspora* folder is empty.", fix: "Enter the folder of your diaspora* checkout, like /home/you/diaspora." });
      return { "pod.profile": "diaspora", "pod.dir": dir.trim() };
    }
    if (!command.trim()) fail({ code: "pod-command", field: "pod.command", message: "The pod's command is empty.", fix: "Enter the program that runs your pod, like /usr/bin/node." });
    const lines = args.split("\n").map((line) => line.trim()).filter(Boolean);
    return { "pod.profile": "custom", "pod.command": command.trim(), "pod.args": lines, "pod.port": Number(port), "pod.healthUrl": healthUrl.trim() };
  };

  return (
    <StepFrame
      step="pod"
      why="podhost starts, watches and restarts the pod's own processes, so it needs to know which program is your pod."
      onBack={back}
      carriedError={carriedError}
      onNext={async () => {
        if (profile === "install") {
          installGoesOn();
          next();
          return;
        }
        await save(changes());
        // The checks Start would make (checkout, Ruby, database, Redis, assets, the port), made now.
        const check = await call("pod.check", {});
        if (check.problems[0]) fail(check.problems[0]);
        next();
      }}
    >
      <Choice
        legend="The pod runs from"
        name="pod-profile"
        value={profile}
        onChange={setProfile}
        options={[
          { value: "install", label: "Install diaspora* for me", hint: "podhost gets diaspora* with git, installs what it needs into its own data folder and sets up its database. It shows what it will do first." },
          { value: "diaspora", label: "A diaspora* checkout", hint: "podhost runs its web and sidekiq processes, and checks Ruby, the database and Redis before you go on." },
          { value: "custom", label: "A custom command", hint: "Any program that serves the pod over HTTP on this PC." },
        ]}
      />
      {profile === "install" ? (
        <InstallPanel status={install} />
      ) : profile === "diaspora" ? (
        <TextInput name="pod.dir" label="diaspora* folder" value={dir} onChange={setDir} required placeholder="/home/you/diaspora" hint="The folder with config/diaspora.toml. Next checks what the pod needs and names anything missing." />
      ) : (
        <>
          <TextInput name="pod.command" label="Command" value={command} onChange={setCommand} required placeholder="/usr/bin/node" />
          <div className="field">
            <label htmlFor="wizard-pod-args" className="field-label">
              Arguments, one per line
            </label>
            <textarea id="wizard-pod-args" data-wizard-field="pod.args" rows={3} value={args} onChange={(event) => setArgs(event.target.value)} />
          </div>
          <TextInput name="pod.port" label="Port the pod listens on (127.0.0.1)" type="number" value={port} onChange={setPort} />
          <TextInput name="pod.healthUrl" label="Health URL (optional)" inputMode="url" value={healthUrl} onChange={setHealthUrl} placeholder="http://127.0.0.1:3000/nodeinfo/2.1" hint="Answers 2xx when the pod is ready; empty: a TCP connection is the check." />
        </>
      )}
    </StepFrame>
  );
}
