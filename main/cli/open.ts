import { spawn } from "node:child_process";
import type { Command } from "commander";
import { UserError } from "../../shared/errors";
import { findRunningDaemon } from "../daemon/discovery";
import { readTextIfExists } from "../store/files";
import { dataPaths } from "../store/paths";
import { NoDaemonError, type ControlClient } from "./client";

/** What the link is, said wherever it is shown: it is a key, and it does not expire. */
export const linkExplanation = "This link carries the access key of this PC's podhost: it does not expire, and anyone who has it can control podhost, so keep it to yourself.";

/**
 * `podhost open [--browser]`: the UI's link (with the access key), printed, or opened in the
 * desktop's browser; `podhost sign-out`: every browser that opened it loses its session.
 */
export function registerOpenCommand(program: Command, dataDir: () => string, client: () => ControlClient): void {
  program
    .command("sign-out")
    .description("sign out every browser that opened podhost's UI (their sessions end at once; the link still works)")
    .action(async () => {
      const { revoked } = await client().call("sessions.revokeAll", {});
      console.log(revoked === 1 ? "1 browser session ended." : `${revoked} browser sessions ended.`);
    });
  program
    .command("open")
    .description("print the link to podhost's UI (it carries this PC's access key); --browser opens it")
    .option("--browser", "open the link with the desktop's browser")
    .action(async (opts: { browser?: boolean }) => {
      const paths = dataPaths(dataDir());
      const running = await findRunningDaemon(paths);
      const token = (await readTextIfExists(paths.token).catch(() => undefined))?.trim();
      if (!running || !token) throw new NoDaemonError(paths.dataDir);
      const link = `${running.url}#token=${token}`;
      console.log(link);
      console.error(linkExplanation);
      if (opts.browser) await openWithDesktop(link);
    });
}

const openers: Partial<Record<NodeJS.Platform, [string, string[]]>> = { linux: ["xdg-open", []], darwin: ["open", []], win32: ["cmd", ["/c", "start", '""']] };

async function openWithDesktop(link: string): Promise<void> {
  const [program, args] = openers[process.platform] ?? openers.linux!;
  const child = spawn(program, [...args, link], { detached: true, stdio: "ignore" });
  const outcome = await new Promise<{ code: number | null } | Error>((resolve) => {
    child.once("error", resolve);
    child.once("exit", (code) => resolve({ code }));
  });
  if (outcome instanceof Error || outcome.code !== 0) {
    const why = outcome instanceof Error ? `${program} could not be run (${(outcome as NodeJS.ErrnoException).code ?? outcome.message})` : `${program} failed (exit code ${outcome.code})`;
    throw new UserError({ code: "no-browser", message: `The link could not be opened: ${why}.`, fix: "Open the link printed above in your browser yourself." });
  }
  console.error(`Opened with ${program}.`);
}
