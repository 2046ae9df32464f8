/** Badges: a Space's stage (with the kind of state it is), visibility and roles. */
import type { Stage } from "../types";

export type StageKind = "building" | "running" | "sleeping" | "error" | "stopped" | "waiting";

const KINDS: Record<Stage, StageKind> = {
  NO_APP_FILE: "error",
  CONFIG_ERROR: "error",
  BUILDING: "building",
  BUILD_ERROR: "error",
  APP_STARTING: "building",
  RUNNING: "running",
  RUNNING_BUILDING: "building",
  RUNTIME_ERROR: "error",
  SLEEPING: "sleeping",
  PAUSED: "stopped",
  STOPPED: "stopped",
  DELETING: "stopped",
  WAITING_FOR_HARDWARE: "waiting",
};

const LABELS: Record<Stage, string> = {
  NO_APP_FILE: "No app file",
  CONFIG_ERROR: "Config error",
  BUILDING: "Building",
  BUILD_ERROR: "Build error",
  APP_STARTING: "Starting",
  RUNNING: "Running",
  RUNNING_BUILDING: "Running · building",
  RUNTIME_ERROR: "Runtime error",
  SLEEPING: "Sleeping",
  PAUSED: "Paused",
  STOPPED: "Stopped",
  DELETING: "Deleting",
  WAITING_FOR_HARDWARE: "Waiting for hardware",
};

/** The kind of state a stage is (unknown stages count as "stopped"). */
export function stageKind(stage: string): StageKind {
  return KINDS[stage as Stage] ?? "stopped";
}

export function stageLabel(stage: string): string {
  return LABELS[stage as Stage] ?? stage;
}

export function StageBadge({ stage, message }: { stage: string; message?: string }) {
  const kind = stageKind(stage);
  return (
    <span class={`pc-badge pc-stage pc-stage-${kind}`} data-stage={stage} title={message || undefined}>
      <span class="pc-dot" aria-hidden="true" />
      {stageLabel(stage)}
    </span>
  );
}

export function VisibilityBadge({ visibility }: { visibility: string }) {
  return <span class={`pc-badge pc-visibility pc-visibility-${visibility}`}>{visibility}</span>;
}

export function RoleBadge({ role }: { role: string }) {
  return <span class={`pc-badge pc-role pc-role-${role}`}>{role}</span>;
}
