/**
 * Something the daemon wants the user to know about their data (a settings field that fell back
 * to its default, a damaged file kept aside, a settings file from a newer podhost). A notice stays
 * (persisted in the data dir) until the user fixes its field or dismisses it by id.
 */
export interface Notice {
  /** Stable for the same problem: dismissing it once keeps it dismissed. */
  id: string;
  text: string;
  /** The settings key it is about: setting that key resolves the notice. */
  field?: string;
}
