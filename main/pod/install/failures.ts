import type { UserErrorInfo } from "../../../shared/errors";
import type { OsFamily, StepId } from "../../../shared/install";
import { stepInfo } from "../../../shared/install";
import { installCommand, rubyCommand } from "./packages";
import { CommandFailed } from "./step-process";

type Library = "libpq" | "libssl" | "libyaml" | "libcurl" | "imagemagick";

/** What a gem's failed native build printed, and the library that was missing. */
const libraryHints: Array<[RegExp, Library, string]> = [
  [/libpq-fe\.h|pg_config|libpq/i, "libpq", "the PostgreSQL client library (libpq)"],
  [/yaml\.h|libyaml/i, "libyaml", "libyaml"],
  [/openssl\/ssl\.h|OpenSSL library could not be found|libssl/i, "libssl", "OpenSSL (libssl)"],
  [/curl\/curl\.h|libcurl/i, "libcurl", "libcurl"],
  [/MagickWand|ImageMagick/i, "imagemagick", "ImageMagick"],
];

/**
 * Turns a failed step's output into plain words: the common failures of a diaspora* install
 * (a gem's native build missing a library, the wrong Ruby, the database refusing the pod's
 * user, a full disk) get their own message and the command that fixes them; anything else
 * names the command, its exit code and the log.
 */
export function explainFailure(step: StepId, error: unknown, context: { os: OsFamily; dir: string; logFile: string }): UserErrorInfo {
  const text = error instanceof CommandFailed ? error.output : String((error as Error)?.message ?? error);
  const retry = "then press Retry: podhost continues from this step.";
  if (/No space left on device|ENOSPC|Disk quota exceeded|could not extend file/i.test(text)) {
    return { code: "disk-full", message: `${stepInfo[step].title} failed: the disk holding ${context.dir} is full (no space left on the device).`, fix: `Free some space on that disk (a diaspora* install needs about 1.5 GB), ${retry}` };
  }
  const ruby = /Your Ruby version is ([\w.-]+), but your Gemfile specified ([^\n]+)/.exec(text);
  if (ruby) {
    const wanted = ruby[2]!.replace(/[~>=<\s]/g, "");
    return { code: "ruby-version", message: `${stepInfo[step].title} failed: diaspora* needs Ruby ${ruby[2]!.trim()}, but the ruby podhost runs is ${ruby[1]}.`, fix: `Install Ruby ${wanted} (${rubyCommand(wanted, context.os, undefined)}) and make it the ruby in ${context.dir}, ${retry}` };
  }
  const gem = /An error occurred while installing ([\w-]+) \(([^)]+)\)/.exec(text);
  if (gem) {
    const hint = libraryHints.find(([pattern]) => pattern.test(text));
    if (hint) {
      return { code: "gem-library-missing", message: `The gem ${gem[1]} ${gem[2]} could not be built: ${hint[2]} is missing on this computer.`, fix: `Install it (${installCommand(hint[1], context.os)}), ${retry}` };
    }
    return { code: "gem-build-failed", message: `The gem ${gem[1]} ${gem[2]} could not be built (its full output is in ${context.logFile}).`, fix: `Look for "error" near the end of that log: usually a development library is missing. Install it, ${retry}` };
  }
  const auth = /password authentication failed for user "([^"]+)"|role "([^"]+)" does not exist|Peer authentication failed for user "([^"]+)"/.exec(text);
  if (auth) {
    const user = auth[1] ?? auth[2] ?? auth[3];
    return { code: "database-auth", message: `PostgreSQL refused the pod's database user "${user}" (${auth[0]}).`, fix: `Check username and password under production in ${context.dir}/config/database.yml (podhost writes them for its own PostgreSQL: Settings > Pod > Managed PostgreSQL), ${retry}` };
  }
  if (/could not connect to server|Connection refused|connection to server .* failed/i.test(text)) {
    return { code: "database-unreachable", message: `${stepInfo[step].title} failed: PostgreSQL does not accept connections.`, fix: `Start PostgreSQL (podhost starts its own when Settings > Pod > Managed PostgreSQL is on), ${retry}` };
  }
  if (error instanceof CommandFailed) {
    const what = [error.command.command.replace(`${context.dir}/`, ""), ...error.command.args].join(" ");
    // The line that says what went wrong, as the program put it (Rails: "PG::Error: ERROR: ...").
    const said = text.split("\n").reverse().find((line) => /\b(error|fatal)\b/i.test(line) && !/^rake aborted|^StandardError: An error has occurred/.test(line))?.trim();
    return { code: "step-failed", message: `${stepInfo[step].title} failed: ${what} ${error.exitCode === null ? `was killed (${error.signal})` : `exited with code ${error.exitCode}`}${said ? `: ${said}` : ""}.`, fix: `Its full output is in ${context.logFile}; fix what it says, ${retry}` };
  }
  return { code: "step-failed", message: `${stepInfo[step].title} failed: ${text}`, fix: `The full log is in ${context.logFile}; fix what it says, ${retry}` };
}
