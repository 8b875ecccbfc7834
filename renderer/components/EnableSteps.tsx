/** The commands that switch a web server config on, one per line, as a numbered list. */
export function EnableSteps({ steps }: { steps: string[] }) {
  return (
    <ol className="steps">
      {steps.map((step) => (
        <li key={step}>
          <code>{step}</code>
        </li>
      ))}
    </ol>
  );
}
