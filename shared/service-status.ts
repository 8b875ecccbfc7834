/**
 * What every capability reports: a state word, one plain sentence, and the next thing the
 * user can do about it. The Status page renders each as a card; the tray and CLI print it.
 */
export interface NextAction {
  label: string;
  /** A place in the UI that fixes it, e.g. "settings/pod". */
  page?: string;
  /** A control API command the UI may offer as a button. */
  command?: string;
}

export interface ServiceStatus {
  state: string;
  message: string;
  action?: NextAction;
}

/** How the UI colours a card: good, working on it, needs attention, off. */
export type Tone = "ok" | "busy" | "warn" | "error" | "off";
