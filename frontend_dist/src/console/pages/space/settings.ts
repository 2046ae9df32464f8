/**
 * The Settings tab's logic, free of the DOM: sleep-time choices, what a save changes, checks of what is typed
 * (the API checks again and its message is shown), and which hardware would go over the org's GPU quota.
 */
import type { Flavor, Space, Visibility } from "../../types";
import type { Quota } from "./types";

export const NEVER = -1;
export const MIN_RETENTION_DAYS = 1;
export const MAX_RETENTION_DAYS = 365;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
/** Stages in which a Space holds its hardware (the API's ACTIVE_STAGES). */
const ACTIVE_STAGES = new Set(["APP_STARTING", "RUNNING", "RUNNING_BUILDING"]);

export const SLEEP_PRESETS: readonly { value: number; label: string }[] = [
  { value: 300, label: "5 minutes" },
  { value: 900, label: "15 minutes" },
  { value: 1800, label: "30 minutes" },
  { value: 3600, label: "1 hour" },
  { value: 36000, label: "10 hours" },
  { value: 86400, label: "1 day" },
  { value: 172800, label: "2 days" },
  { value: 604800, label: "1 week" },
  { value: NEVER, label: "Never" },
];

/** Seconds in words: "90 seconds", "2 hours", "1 day 6 hours"; "never" for -1. */
export function durationText(seconds: number): string {
  if (seconds === NEVER) return "never";
  const units: [string, number][] = [["day", 86400], ["hour", 3600], ["minute", 60], ["second", 1]];
  const parts: string[] = [];
  let rest = seconds;
  for (const [unit, size] of units) {
    const count = Math.floor(rest / size);
    if (count > 0 && parts.length < 2) parts.push(`${count} ${unit}${count === 1 ? "" : "s"}`);
    rest -= count * size;
  }
  return parts.join(" ") || "0 seconds";
}

/** The sleep-time choices: the presets, and the Space's own value when it is none of them. */
export function sleepOptions(current: number): { value: string; label: string }[] {
  const options = SLEEP_PRESETS.map((preset) => ({ value: String(preset.value), label: preset.label }));
  if (!SLEEP_PRESETS.some((preset) => preset.value === current)) {
    options.unshift({ value: String(current), label: `${durationText(current)} (current)` });
  }
  return options;
}

/** What the settings form holds (text as typed). */
export interface SettingsForm {
  title: string;
  visibility: Visibility;
  hardware: string;
  sleepTime: string;
  retentionDays: string;
}

export function formFrom(space: Space): SettingsForm {
  return {
    title: space.title,
    visibility: space.visibility,
    hardware: space.hardware,
    sleepTime: String(space.sleep_time),
    retentionDays: String(space.deep_link_retention_days),
  };
}

/** Why the deep-link retention typed is not acceptable, or "". */
export function retentionProblem(text: string): string {
  const days = Number(text.trim());
  if (!/^\d+$/.test(text.trim()) || days < MIN_RETENTION_DAYS || days > MAX_RETENTION_DAYS) {
    return `Deep links are kept ${MIN_RETENTION_DAYS} to ${MAX_RETENTION_DAYS} days: enter a whole number of days`;
  }
  return "";
}

/** The PATCH body: the fields of `form` that differ from `space` (empty when nothing changed). */
export function settingsChanges(space: Space, form: SettingsForm): Record<string, string | number> {
  const changes: Record<string, string | number> = {};
  if (form.title !== space.title) changes.title = form.title;
  if (form.visibility !== space.visibility) changes.visibility = form.visibility;
  if (form.hardware !== space.hardware) changes.hardware = form.hardware;
  if (Number(form.sleepTime) !== space.sleep_time) changes.sleep_time = Number(form.sleepTime);
  const days = Number(form.retentionDays.trim());
  if (days !== space.deep_link_retention_days) changes.deep_link_retention_days = days;
  return changes;
}

/** Why `name` cannot name a secret or variable, or "". */
export function envNameProblem(name: string): string {
  if (!name) return "Enter a name";
  return ENV_NAME.test(name) ? "" : "Use letters, digits and _ (not starting with a digit), at most 128 characters";
}

/** "CPU basic · 2 vCPU · 16 GB" (and its GPUs). */
export function flavorLabel(flavor: Flavor): string {
  const memory = flavor.memory_mb >= 1024 ? `${Math.round(flavor.memory_mb / 102.4) / 10} GB` : `${flavor.memory_mb} MB`;
  const parts = [flavor.display_name || flavor.name, `${flavor.cpu} vCPU`, memory];
  if (flavor.gpu_count > 0) parts.push(`${flavor.gpu_count}× ${flavor.gpu_type ?? "GPU"}`);
  return parts.join(" · ");
}

export interface QuotaContext {
  /** The owner org's quota; null for a personal Space or when it could not be read. */
  quota: Quota | null;
  /** The Space belongs to a user, not an org (personal Spaces get no GPUs). */
  personal: boolean;
  /** GPUs the Space holds now (its flavor's, while it runs or starts), which a change would give back. */
  heldGpus: number;
}

/** The GPUs `space` holds now (its hardware's, while it is running or starting). */
export function heldGpus(space: Pick<Space, "desired_state" | "stage" | "hardware">, flavors: Flavor[]): number {
  if (space.desired_state !== "running" || !ACTIVE_STAGES.has(space.stage)) return 0;
  return flavors.find((flavor) => flavor.name === space.hardware)?.gpu_count ?? 0;
}

/** Why choosing `flavor` would go over what the owner may use, or "" when it fits (or cannot be told). */
export function quotaProblem(flavor: Flavor, context: QuotaContext): string {
  if (flavor.gpu_count === 0) return "";
  if (context.personal) return "personal Spaces cannot use GPUs";
  const quota = context.quota;
  if (!quota) return "";
  const used = Math.max(0, quota.gpus_in_use - context.heldGpus);
  return used + flavor.gpu_count > quota.max_gpus ? `over the org's GPU quota (${used} of ${quota.max_gpus} in use)` : "";
}
