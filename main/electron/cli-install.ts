import { chmod, mkdir, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";

/**
 * "Install command-line tool": a `podhost` on the user's PATH that runs the installed app's own
 * CLI (the app's binary in Node mode), so the terminal and the tray drive the same podhost.
 */
export interface CliInstall {
  path: string;
  script: string;
  mode: number;
}

function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** The wrapper for this OS, or why there can be none (an AppImage moves each time it runs). */
export function cliInstall(options: { execPath: string; cliPath: string; platform: NodeJS.Platform; appImage?: string; home?: string; localAppData?: string }): CliInstall | { unavailable: string } {
  if (options.appImage) return { unavailable: "The command-line tool can't be installed from an AppImage (its files move each time it runs): install the .deb, or run `npx podhost` from a podhost folder." };
  if (options.platform === "win32") {
    const dir = join(options.localAppData ?? join(options.home ?? homedir(), "AppData", "Local"), "Microsoft", "WindowsApps");
    return { path: join(dir, "podhost.cmd"), script: `@echo off\r\nset ELECTRON_RUN_AS_NODE=1\r\n"${options.execPath}" "${options.cliPath}" %*\r\n`, mode: 0o644 };
  }
  return {
    path: join(options.home ?? homedir(), ".local", "bin", "podhost"),
    script: `#!/bin/sh\n# podhost's command-line tool, installed by the podhost app.\nELECTRON_RUN_AS_NODE=1 exec ${shellQuote(options.execPath)} ${shellQuote(options.cliPath)} "$@"\n`,
    mode: 0o755,
  };
}

export async function writeCliInstall(install: CliInstall): Promise<void> {
  await mkdir(join(install.path, ".."), { recursive: true });
  await writeFile(install.path, install.script, { mode: install.mode });
  await chmod(install.path, install.mode);
}
