import { access, stat } from "node:fs/promises";
import { constants } from "node:fs";
import { delimiter, isAbsolute, join, resolve } from "node:path";

/** Whether `command` would run: a path to an executable file, or a name found on `PATH` (relative paths resolve in `cwd`). */
export async function isExecutable(command: string, cwd: string, env: NodeJS.ProcessEnv): Promise<boolean> {
  const candidates = command.includes("/") ? [isAbsolute(command) ? command : resolve(cwd, command)] : (env.PATH ?? "").split(delimiter).filter(Boolean).map((dir) => join(dir, command));
  for (const candidate of candidates) {
    const file = await stat(candidate).then((s) => s.isFile(), () => false);
    if (file && (await access(candidate, constants.X_OK).then(() => true, () => false))) return true;
  }
  return false;
}
