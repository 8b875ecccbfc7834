import type { UserErrorInfo } from "../../shared/errors";

/** A failure in plain words; `retryAfterMs` when the CA said how long to wait. */
export interface IssuanceFailure extends UserErrorInfo {
  retryAfterMs?: number;
}

/** Thrown by preflight checks and settings problems, already in plain words. */
export class IssuanceProblem extends Error {
  constructor(readonly failure: IssuanceFailure) {
    super(failure.message);
    this.name = "IssuanceProblem";
  }
}
