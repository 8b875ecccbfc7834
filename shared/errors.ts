/**
 * The one shape of an error that reaches a user: what failed, why, and what to do.
 * `field` names the setting at fault (a dotted key) when there is one.
 */
export interface UserErrorInfo {
  code: string;
  message: string;
  fix?: string;
  field?: string;
}

export class UserError extends Error implements UserErrorInfo {
  readonly code: string;
  readonly fix?: string;
  readonly field?: string;

  constructor(info: UserErrorInfo) {
    super(info.message);
    this.name = "UserError";
    this.code = info.code;
    if (info.fix !== undefined) this.fix = info.fix;
    if (info.field !== undefined) this.field = info.field;
  }

  toJSON(): UserErrorInfo {
    return { code: this.code, message: this.message, ...(this.fix ? { fix: this.fix } : {}), ...(this.field ? { field: this.field } : {}) };
  }
}

export function isUserErrorInfo(value: unknown): value is UserErrorInfo {
  return typeof value === "object" && value !== null && typeof (value as UserErrorInfo).code === "string" && typeof (value as UserErrorInfo).message === "string";
}

/** "message Fix." as one line, for CLIs, logs and notifications. */
export function describeError(info: UserErrorInfo): string {
  return info.fix ? `${info.message} ${info.fix}` : info.message;
}
