import { useId, type ReactNode } from "react";

/** A labelled text (or number, password) input with an optional hint under it. */
export function TextInput(props: { label: string; value: string; onChange: (value: string) => void; hint?: ReactNode; name: string; type?: "text" | "number" | "password"; inputMode?: "url" | "email"; placeholder?: string; required?: boolean }) {
  const id = useId();
  const hintId = `${id}-hint`;
  return (
    <div className="field">
      <label htmlFor={id} className="field-label">
        {props.label}
        {props.required ? <span className="muted"> (required)</span> : null}
      </label>
      <input
        id={id}
        name={props.name}
        data-wizard-field={props.name}
        type={props.type ?? "text"}
        inputMode={props.inputMode}
        value={props.value}
        placeholder={props.placeholder}
        aria-describedby={props.hint ? hintId : undefined}
        aria-required={props.required}
        autoComplete="off"
        onChange={(event) => props.onChange(event.target.value)}
      />
      {props.hint ? (
        <p className="help" id={hintId}>
          {props.hint}
        </p>
      ) : null}
    </div>
  );
}

/** A group of radio buttons, each with a label and a one-line hint. */
export function Choice<T extends string>(props: { legend: string; name: string; value: T | undefined; options: { value: T; label: string; hint?: string }[]; onChange: (value: T) => void }) {
  const id = useId();
  return (
    <fieldset className="field-group wizard-choice" data-choice={props.name}>
      <legend>{props.legend}</legend>
      {props.options.map((option) => (
        <div className="check choice" key={option.value}>
          <input
            type="radio"
            id={`${id}-${option.value}`}
            name={props.name}
            value={option.value}
            checked={props.value === option.value}
            aria-describedby={option.hint ? `${id}-${option.value}-hint` : undefined}
            onChange={() => props.onChange(option.value)}
          />
          <label htmlFor={`${id}-${option.value}`} className="field-label">
            {option.label}
          </label>
          {option.hint ? (
            <p className="help" id={`${id}-${option.value}-hint`}>
              {option.hint}
            </p>
          ) : null}
        </div>
      ))}
    </fieldset>
  );
}
