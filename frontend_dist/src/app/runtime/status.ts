/** Block statuses from queue messages: pending with queue rank/ETA, running with progress bars, error. */
import type { BlockStatus, ProgressItem } from "../types";
import type { ServerMessage } from "../transport/sse";

const num = (v: unknown): number | null => (typeof v === "number" ? v : null);

/** The status that `message` moves the outputs to; undefined when it does not change it. */
export function nextStatus(previous: BlockStatus, message: ServerMessage): BlockStatus | undefined {
  switch (message.msg) {
    case "estimation":
      return { state: "pending", rank: num(message.rank), queueSize: num(message.queue_size), eta: num(message.rank_eta) };
    case "process_starts":
      return { state: "running", eta: num(message.eta) };
    case "progress":
      return { ...previous, state: "running", progress: (message.progress_data as ProgressItem[] | null) ?? null };
    case "process_generating":
    case "process_streaming":
      return previous.state === "running" ? undefined : { state: "running" };
    case "process_completed":
      if (message.success === false) return { state: "error", message: errorMessage(message) };
      return { state: "idle" };
    default:
      return undefined;
  }
}

/**
 * One event's loading status on its outputs. It shows only once the event has lasted `delayMs`: a fast event
 * never flashes a loading bar, and its click costs no render before the request is on its way and back.
 * A delay of 0 shows it right after the submit (in a microtask).
 */
export class BusyStatus {
  private current: BlockStatus = { state: "pending" };
  private shown = false;
  private ended = false;
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    delayMs: number,
    private readonly show: (status: BlockStatus) => void,
  ) {
    if (delayMs <= 0) queueMicrotask(() => this.reveal());
    else this.timer = setTimeout(() => this.reveal(), delayMs);
  }

  /** A queue message before the end: it moves the status (shown now, or when the delay is over). */
  update(message: ServerMessage): void {
    const next = nextStatus(this.current, message);
    if (next === undefined || this.ended) return;
    this.current = next;
    if (this.shown) this.show(next);
  }

  /** The event is over (completed, failed or cancelled): nothing more is shown from here. */
  end(): void {
    this.ended = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  private reveal(): void {
    this.timer = null;
    if (this.ended) return;
    this.shown = true;
    this.show(this.current);
  }
}

/** The text of a failed `process_completed`: `output.error`, or a generic "Error". */
export function errorMessage(message: ServerMessage): string {
  const output = message.output as { error?: unknown } | null | undefined;
  return typeof output?.error === "string" && output.error !== "" ? output.error : "Error";
}
