import type { OverallState } from "../../shared/status";

/**
 * What the tray's window may do, as pure decisions (main.ts only wires them to Electron), after
 * Electron's security checklist: the window shows podhost's own UI and nothing else; links leave
 * for the user's browser only if they are http(s) and go to the pod's own address or are marked
 * external by the UI (`target="podhost-external"`); no permission is ever granted.
 */
export const externalLinkTarget = "podhost-external";

function parse(url: string): URL | undefined {
  try {
    return new URL(url);
  } catch {
    return undefined;
  }
}

const web = (url: URL) => url.protocol === "https:" || url.protocol === "http:";

/** `will-navigate`: only within the UI's own origin (the daemon on loopback). */
export function mayNavigate(target: string, uiUrl: string): boolean {
  const url = parse(target);
  const ui = parse(uiUrl);
  return url !== undefined && ui !== undefined && web(url) && url.origin === ui.origin;
}

/** `setWindowOpenHandler`: hand the link to the user's browser, or refuse it. */
export function windowOpenDecision(request: { url: string; frameName: string }, places: { podUrl: string | undefined }): "open-in-browser" | "deny" {
  const url = parse(request.url);
  if (!url || !web(url) || url.username || url.password) return "deny";
  if (request.frameName === externalLinkTarget) return "open-in-browser";
  const pod = places.podUrl ? parse(places.podUrl) : undefined;
  return pod && url.origin === pod.origin ? "open-in-browser" : "deny";
}

/** The tray image per OS: template images on macOS (the menu bar colours them), coloured ones elsewhere. */
export function trayImagePath(state: OverallState, platform: NodeJS.Platform): string {
  return platform === "darwin" ? `build/tray/mac/${state}Template.png` : `build/tray/${state}.png`;
}

/**
 * The login item. `args` exist only on Windows; macOS says instead whether the app was opened at
 * login, and Linux uses an XDG autostart entry (autostart.ts) that passes --hidden.
 */
export function loginItemSettings(enabled: boolean, platform: NodeJS.Platform): { openAtLogin: boolean; args?: string[] } {
  return platform === "win32" ? { openAtLogin: enabled, args: ["--hidden"] } : { openAtLogin: enabled };
}

/** Start with the window closed: asked for (--hidden), or opened by macOS at login. */
export function startsHidden(argv: readonly string[], openedAtLogin: boolean): boolean {
  return argv.includes("--hidden") || openedAtLogin;
}
