import type { UserErrorInfo } from "../../shared/errors";
import { ApiError } from "../api";

/** Any thrown thing as the user-facing shape: what failed, and what to do. */
export function toErrorInfo(error: unknown): UserErrorInfo {
  if (error instanceof ApiError) return error.info;
  if (error instanceof Error && "code" in error && typeof error.code === "string") {
    const { code, message } = error;
    const fix = "fix" in error && typeof error.fix === "string" ? error.fix : undefined;
    const field = "field" in error && typeof error.field === "string" ? error.field : undefined;
    return { code, message, ...(fix ? { fix } : {}), ...(field ? { field } : {}) };
  }
  return { code: "unexpected", message: error instanceof Error ? error.message : String(error), fix: "The Logs page may say more." };
}

/** An error the user caused or can act on, announced when it appears. */
export function ErrorNote({ error, id }: { error: UserErrorInfo; id?: string }) {
  return (
    <div className="error-note" role="alert" id={id}>
      <p>{error.message}</p>
      {error.fix ? <p className="fix">{error.fix}</p> : null}
    </div>
  );
}
