import type { ReactNode } from "react";

/** A short list of named facts in a status card ("Published address: 198.51.100.4"); empty values are left out. */
export function Facts({ items, name }: { items: [string, ReactNode][]; name: string }) {
  const shown = items.filter(([, value]) => value !== undefined && value !== null && value !== "");
  if (shown.length === 0) return null;
  return (
    <dl className="facts" data-facts={name}>
      {shown.map(([term, value]) => (
        <div key={term}>
          <dt>{term}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}

/** A moment in the reader's own format; `short` gives just the time for today (tables in narrow cards). */
export function Time({ ms, short }: { ms: number | undefined; short?: boolean }) {
  if (ms === undefined) return null;
  const date = new Date(ms);
  const today = date.toDateString() === new Date().toDateString();
  const text = short ? (today ? date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }) : date.toLocaleDateString()) : date.toLocaleString();
  return (
    <time dateTime={date.toISOString()} title={short ? date.toLocaleString() : undefined}>
      {text}
    </time>
  );
}
