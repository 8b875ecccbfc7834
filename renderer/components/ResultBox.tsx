import type { ReactNode } from "react";

/**
 * Where a widget shows its command's answer, next to the button; read out when it changes.
 * Always in the page (empty until there is an answer) so screen readers notice the change.
 */
export function ResultBox({ name, children }: { name: string; children?: ReactNode }) {
  return (
    <div className={children ? "result-box" : "result-box empty"} aria-live="polite" data-result={name}>
      {children}
    </div>
  );
}
