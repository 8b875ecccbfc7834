import type { Readable } from "node:stream";
import { createInterface } from "node:readline";

/** What a tray writes on the daemon's stdin to have it stop in order (works where signals don't: Windows). */
export const stopLine = "stop";

/**
 * A daemon started by the tray app holds a pipe from it on stdin. The line "stop" asks for an
 * orderly stop; the pipe closing means the tray is gone (quit, logout, or a crash: the OS closes
 * the pipe of a dead process), and then the daemon stops the pod in order, unless the user chose
 * to keep it running without the tray (`tray.keepPodRunning`), in which case it runs on and the
 * next tray attaches to it.
 */
export function watchParent(input: Readable, options: { stop: (reason: string) => void; keepRunning: () => boolean; log: (text: string) => void }): void {
  let asked = false;
  const lines = createInterface({ input });
  lines.on("line", (line) => {
    if (line.trim() !== stopLine) return;
    asked = true;
    options.stop("the tray app asked");
  });
  lines.on("close", () => {
    if (asked) return;
    if (options.keepRunning()) return options.log("The tray app is gone; the pod keeps running as set (tray.keepPodRunning). Open podhost again to attach to it.");
    options.stop("the tray app is gone");
  });
}
