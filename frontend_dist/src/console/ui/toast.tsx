/** Toasts: short notes at the bottom of the screen (`toast.ok`, `toast.error`), announced to screen readers. */
import { useEffect, useState } from "preact/hooks";

export interface Toast {
  id: number;
  kind: "ok" | "error";
  text: string;
}

let toasts: Toast[] = [];
let nextId = 1;
const listeners = new Set<(list: Toast[]) => void>();
const LIFETIME_MS = { ok: 4000, error: 8000 };

function publish(): void {
  for (const listener of listeners) listener(toasts);
}

function dismiss(id: number): void {
  toasts = toasts.filter((t) => t.id !== id);
  publish();
}

function show(kind: Toast["kind"], text: string): void {
  const id = nextId++;
  toasts = [...toasts.slice(-4), { id, kind, text }];
  publish();
  setTimeout(() => dismiss(id), LIFETIME_MS[kind]);
}

export const toast = {
  ok: (text: string) => show("ok", text),
  error: (text: string) => show("error", text),
};

/** The toast region; rendered once by the shell. */
export function Toasts() {
  const [list, setList] = useState<Toast[]>(toasts);
  useEffect(() => {
    listeners.add(setList);
    return () => void listeners.delete(setList);
  }, []);
  return (
    <div class="pc-toasts" role="status" aria-live="polite">
      {list.map((t) => (
        <div key={t.id} class={`pc-toast pc-toast-${t.kind}`} data-testid={`toast-${t.kind}`}>
          <span>{t.text}</span>
          <button type="button" class="pc-toast-close" aria-label="Dismiss" onClick={() => dismiss(t.id)}>
            ×
          </button>
        </div>
      ))}
    </div>
  );
}
