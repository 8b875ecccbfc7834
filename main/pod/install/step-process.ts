import { spawn } from "node:child_process";
import type { Clock } from "../../service";
import { terminateGroup } from "../process-group";
import { redactSecrets } from "../redact";

export interface StepCommand {
  command: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
}

/** A command of a step exited non-zero (or was killed): what it printed decides the message. */
export class CommandFailed extends Error {
  constructor(readonly command: StepCommand, readonly exitCode: number | null, readonly signal: NodeJS.Signals | null, readonly output: string) {
    super(`${[command.command, ...command.args].join(" ")} ${exitCode === null ? `was killed (${signal})` : `exited with code ${exitCode}`}`);
  }
}

/** The step was cancelled: its process group is gone. */
export class Cancelled extends Error {
  constructor() {
    super("cancelled");
  }
}

const keptOutput = 256 * 1024;

/**
 * Run one command of an install step as the leader of its own process group, every line
 * (secrets redacted) to `line`; cancelling kills the whole group (SIGTERM, then SIGKILL after
 * `killAfterMs`). Resolves when it exited 0; rejects with CommandFailed or Cancelled.
 */
export function runStepCommand(spec: StepCommand, line: (text: string) => void, signal: AbortSignal, clock: Clock, killAfterMs = 5_000): Promise<void> {
  if (signal.aborted) return Promise.reject(new Cancelled());
  return new Promise((resolve, reject) => {
    line(`$ ${[spec.command, ...spec.args].join(" ")}`);
    const child = spawn(spec.command, spec.args, { cwd: spec.cwd, env: spec.env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    let stopping: Promise<unknown> | undefined;
    const onAbort = () => {
      if (child.pid !== undefined) stopping = terminateGroup(child.pid, killAfterMs, clock);
    };
    signal.addEventListener("abort", onAbort, { once: true });
    const follow = (stream: NodeJS.ReadableStream) => {
      let partial = "";
      stream.setEncoding("utf8");
      stream.on("data", (chunk: string) => {
        const lines = (partial + chunk).split(/\r?\n|\r/);
        partial = lines.pop() ?? "";
        for (const text of lines) emit(text);
      });
      stream.on("end", () => partial && emit(partial));
    };
    const emit = (raw: string) => {
      const text = redactSecrets(raw);
      output = (output + text + "\n").slice(-keptOutput);
      line(text);
    };
    follow(child.stdout!);
    follow(child.stderr!);
    child.once("error", (error) => {
      signal.removeEventListener("abort", onAbort);
      emit(`could not start ${spec.command}: ${error.message}`);
      reject(new CommandFailed(spec, 127, null, output));
    });
    child.once("close", (code, killedBy) => {
      signal.removeEventListener("abort", onAbort);
      void Promise.resolve(stopping).then(() => {
        if (signal.aborted) return reject(new Cancelled());
        if (code === 0) return resolve();
        reject(new CommandFailed(spec, code, killedBy, output));
      });
    });
  });
}
