import { useEffect, useRef } from "react";

let lastTitle: string | undefined;

/**
 * The page's h1. It names the document title, and takes focus when the user moves between
 * pages (not on first load), so screen readers and keyboard users start at the new page.
 */
export function PageHeading({ title }: { title: string }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    document.title = `${title} · podhost`;
    // Comparing titles (not counting renders) keeps StrictMode's double effect from stealing focus on load.
    if (lastTitle !== undefined && lastTitle !== title) heading.current?.focus();
    lastTitle = title;
  }, [title]);
  return (
    <h1 ref={heading} tabIndex={-1}>
      {title}
    </h1>
  );
}
