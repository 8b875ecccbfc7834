import { mkdir, rm, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

/** Linux: an XDG autostart entry (https://specifications.freedesktop.org/autostart-spec/). */
export function xdgAutostartPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.XDG_CONFIG_HOME || join(homedir(), ".config"), "autostart", "podhost.desktop");
}

export function xdgAutostartEntry(exec: string): string {
  const quoted = /\s/.test(exec) ? `"${exec.replace(/(["`$\\])/g, "\\$1")}"` : exec;
  return ["[Desktop Entry]", "Type=Application", "Name=podhost", "Comment=Host your diaspora* pod", `Exec=${quoted} --hidden`, "X-GNOME-Autostart-enabled=true", "Terminal=false", ""].join("\n");
}

export function isXdgAutostartEnabled(path = xdgAutostartPath()): boolean {
  return existsSync(path);
}

export async function setXdgAutostart(enabled: boolean, exec: string, path = xdgAutostartPath()): Promise<void> {
  if (!enabled) return rm(path, { force: true });
  await mkdir(join(path, ".."), { recursive: true });
  await writeFile(path, xdgAutostartEntry(exec), { mode: 0o644 });
}
