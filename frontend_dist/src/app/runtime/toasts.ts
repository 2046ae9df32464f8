/** Toasts: `gr.Info` / `gr.Warning` / `gr.Success` log messages and errors. The view is toasts-view.tsx. */

export type ToastLevel = "info" | "warning" | "success" | "error";

export interface Toast {
  id: number;
  level: ToastLevel;
  title: string;
  message: string;
  /** Seconds before it closes itself; null keeps it until closed. */
  duration: number | null;
}

const LEVELS: ToastLevel[] = ["info", "warning", "success", "error"];

export function toLevel(level: unknown): ToastLevel {
  return LEVELS.includes(level as ToastLevel) ? (level as ToastLevel) : "info";
}

export class ToastStore {
  private items: Toast[] = [];
  private nextId = 1;
  private readonly listeners = new Set<() => void>();

  get list(): readonly Toast[] {
    return this.items;
  }

  push(toast: Omit<Toast, "id">): number {
    const id = this.nextId++;
    this.items = [...this.items, { ...toast, id }];
    this.notify();
    if (toast.duration !== null && toast.duration > 0 && typeof setTimeout !== "undefined") {
      setTimeout(() => this.dismiss(id), toast.duration * 1000);
    }
    return id;
  }

  dismiss(id: number): void {
    const before = this.items.length;
    this.items = this.items.filter((t) => t.id !== id);
    if (this.items.length !== before) this.notify();
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private notify(): void {
    for (const listener of this.listeners) listener();
  }
}
