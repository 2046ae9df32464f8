/** The toast stack (top right), rendered into its own element outside #podium-app. */
import type { VNode } from "preact";
import { useEffect, useReducer } from "preact/hooks";
import type { ToastStore } from "./toasts";

export function Toasts({ store }: { store: ToastStore }): VNode {
  const [, bump] = useReducer((n: number, _: null) => n + 1, 0);
  const rerender = (): void => bump(null);
  useEffect(() => store.subscribe(rerender), [store]);
  return (
    <div class="pd-toasts" aria-live="polite">
      {store.list.map((toast) => (
        <div
          key={toast.id}
          class={`pd-toast pd-toast-${toast.level}`}
          role={toast.level === "error" ? "alert" : "status"}
          data-testid={`toast-${toast.level}`}
        >
          <div class="pd-toast-title">{toast.title}</div>
          <div class="pd-toast-message">{toast.message}</div>
          <button type="button" class="pd-toast-close" aria-label="Close" onClick={() => store.dismiss(toast.id)}>
            ×
          </button>
        </div>
      ))}
    </div>
  );
}
