/** Buttons, and `useAction`: run a request from a button, disabled while it runs, errors as a toast. */
import type { ComponentChildren, JSX } from "preact";
import { useCallback, useState } from "preact/hooks";
import { ApiError } from "../api";
import { toast } from "./toast";

export type Variant = "primary" | "secondary" | "danger" | "ghost";

type ButtonProps = Omit<JSX.HTMLAttributes<HTMLButtonElement>, "type"> & {
  variant?: Variant;
  busy?: boolean;
  type?: "button" | "submit";
  disabled?: boolean;
  children?: ComponentChildren;
};

export function Button({ variant = "secondary", busy = false, type = "button", disabled, children, class: cls, ...rest }: ButtonProps) {
  return (
    <button
      {...rest}
      type={type}
      class={`pc-button pc-button-${variant}${cls ? ` ${cls}` : ""}`}
      disabled={disabled || busy}
      aria-busy={busy || undefined}
    >
      {busy && <span class="pc-spinner pc-spinner-small" aria-hidden="true" />}
      {children}
    </button>
  );
}

/** The message to show for a failed request. */
export function errorText(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  return error instanceof Error ? error.message : String(error);
}

/**
 * `[run, busy]`: `run(...)` calls `action` unless it is already running; a failure shows a toast (and is
 * swallowed), a success shows `done` when given.
 */
export function useAction<A extends unknown[]>(
  action: (...args: A) => Promise<unknown>,
  done?: string,
): [(...args: A) => Promise<boolean>, boolean] {
  const [busy, setBusy] = useState(false);
  const run = useCallback(
    async (...args: A): Promise<boolean> => {
      if (busy) return false;
      setBusy(true);
      try {
        await action(...args);
        if (done) toast.ok(done);
        return true;
      } catch (error) {
        toast.error(errorText(error));
        return false;
      } finally {
        setBusy(false);
      }
    },
    [action, busy, done],
  );
  return [run, busy];
}
