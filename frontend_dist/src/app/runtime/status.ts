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

/** The text of a failed `process_completed`: `output.error`, or a generic "Error". */
export function errorMessage(message: ServerMessage): string {
  const output = message.output as { error?: unknown } | null | undefined;
  return typeof output?.error === "string" && output.error !== "" ? output.error : "Error";
}
