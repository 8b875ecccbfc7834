import { useState } from "react";
import { call } from "../api";
import { StepFrame, fail } from "./StepFrame";
import { Choice, TextInput } from "./inputs";
import type { StepProps } from "./types";

type Profile = "diaspora" | "custom";

/** Step 2: which pod runs, from a diaspora* checkout or any command. */
export function PodStep({ view, save, next, back, carriedError }: StepProps) {
  const pod = view.settings.pod;
  const [profile, setProfile] = useState<Profile>(pod.profile);
  const [dir, setDir] = useState(pod.dir);
  const [command, setCommand] = useState(pod.command);
  const [args, setArgs] = useState(pod.args.join("\n"));
  const [port, setPort] = useState(String(pod.port));
  const [healthUrl, setHealthUrl] = useState(pod.healthUrl);

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
          { value: "diaspora", label: "A diaspora* checkout", hint: "podhost runs its web and sidekiq processes, and checks Ruby, the database and Redis before you go on." },
          { value: "custom", label: "A custom command", hint: "Any program that serves the pod over HTTP on this PC." },
        ]}
      />
      {profile === "diaspora" ? (
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
