/** A build's status as a badge (colored like the stage badges: running builds pulse). */
import type { BuildStatus } from "./types";

const KIND: Record<BuildStatus, string> = {
  queued: "waiting",
  running: "building",
  succeeded: "running",
  failed: "error",
  cancelled: "stopped",
};

const LABEL: Record<BuildStatus, string> = {
  queued: "Queued",
  running: "Building",
  succeeded: "Succeeded",
  failed: "Failed",
  cancelled: "Cancelled",
};

export function BuildBadge({ status, error }: { status: BuildStatus; error?: string }) {
  return (
    <span class={`pc-badge pc-stage pc-stage-${KIND[status] ?? "stopped"}`} data-build-status={status} title={error || undefined}>
      <span class="pc-dot" aria-hidden="true" />
      {LABEL[status] ?? status}
    </span>
  );
}
