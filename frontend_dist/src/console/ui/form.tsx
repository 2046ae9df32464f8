/** Form parts: a labelled field with hint and error, a select, and the error line of a form. */
import type { ComponentChildren, InputHTMLAttributes } from "preact";

interface FieldProps {
  label: string;
  hint?: ComponentChildren;
  error?: string;
  children: ComponentChildren;
}

/** A label around its control (so clicking the label focuses it and screen readers name it). */
export function Field({ label, hint, error, children }: FieldProps) {
  return (
    <label class="pc-field">
      <span class="pc-label">{label}</span>
      {children}
      {hint && <span class="pc-hint">{hint}</span>}
      {error && (
        <span class="pc-error" role="alert">
          {error}
        </span>
      )}
    </label>
  );
}

type InputProps = InputHTMLAttributes<HTMLInputElement>;

export function Input({ class: cls, ...rest }: InputProps) {
  return <input {...rest} class={`pc-input${cls ? ` ${cls}` : ""}`} />;
}

interface SelectProps<T extends string> {
  value: T;
  options: readonly (T | { value: T; label: string })[];
  onChange: (value: T) => void;
  disabled?: boolean;
  name?: string;
  "aria-label"?: string;
}

export function Select<T extends string>({ value, options, onChange, ...rest }: SelectProps<T>) {
  return (
    <select {...rest} class="pc-input pc-select" value={value} onChange={(e) => onChange(e.currentTarget.value as T)}>
      {options.map((option) => {
        const item = typeof option === "string" ? { value: option, label: option } : option;
        return (
          <option key={item.value} value={item.value}>
            {item.label}
          </option>
        );
      })}
    </select>
  );
}

/** The error of a whole form (the API's message), announced. */
export function FormError({ error }: { error: string }) {
  if (!error) return null;
  return (
    <p class="pc-error pc-form-error" role="alert">
      {error}
    </p>
  );
}
