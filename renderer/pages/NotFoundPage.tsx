import { href } from "../router";
import { PageHeading } from "../components/PageHeading";

export function NotFoundPage({ path }: { path: string }) {
  return (
    <>
      <PageHeading title="Page not found" />
      <p>
        podhost has no page called <code>{path}</code>. <a href={href("status")}>Go to Status</a>.
      </p>
    </>
  );
}
