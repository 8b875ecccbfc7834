import * as z from "zod";

/** The tray app's own choices (the daemon reads them too: it outlives a tray that closed). */
export const traySettings = z.object({
  keepPodRunning: z
    .boolean({ error: "tray.keepPodRunning is true or false." })
    .default(false)
    .describe("Keep the pod running when the tray app closes (quit, logout, or a crash of the tray): podhost then runs on without a window, and the next tray attaches to it. Off: every way the tray closes stops the pod in order first."),
});
