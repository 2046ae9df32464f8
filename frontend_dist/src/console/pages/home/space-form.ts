/**
 * What the New Space page knows without asking the API: the name rule (the API's own), who may own a new Space,
 * sleep-time presets, how a hardware flavor reads, and the exact CLI commands and README front matter that upload
 * an app to the Space (`podium login`, `podium push`, which creates the Space when it is missing).
 */
import type { Capacity, Flavor, Org, Sdk, Visibility } from "./types";

/** The API's name rule: 1-39 lower-case letters, digits and single inner hyphens. */
const NAME = /^[a-z0-9]([a-z0-9-]{0,37}[a-z0-9])?$/;
export const NAME_MAX = 39;
/** What the API gives a Space created without these (`POST /api/spaces`, and `podium push` of a new Space). */
export const DEFAULT_HARDWARE = "cpu-basic";
export const DEFAULT_SLEEP_TIME = 172800;
export const SDKS: readonly { value: Sdk; label: string }[] = [
  { value: "podium", label: "Podium" },
  { value: "gradio", label: "Gradio" },
  { value: "docker", label: "Docker" },
];

/** Why `name` is not a valid Space name ("" when it is). */
export function nameProblem(name: string): string {
  if (!name) return "Give the Space a name";
  if (name.length > NAME_MAX) return `At most ${NAME_MAX} characters`;
  if (!NAME.test(name) || name.includes("--")) {
    return "Use lower-case letters, digits and single hyphens, starting and ending with a letter or digit";
  }
  return "";
}

export const SLEEP_PRESETS: readonly { value: number; label: string }[] = [
  { value: 900, label: "After 15 minutes idle" },
  { value: 3600, label: "After 1 hour idle" },
  { value: 21600, label: "After 6 hours idle" },
  { value: DEFAULT_SLEEP_TIME, label: "After 2 days idle (default)" },
  { value: 604800, label: "After 7 days idle" },
  { value: -1, label: "Never" },
];

/** The user, then each org where they may create Spaces (`org.spaces.create` in its `can`). */
export function creatableOwners(me: string, orgs: readonly Org[]): string[] {
  return [me, ...orgs.filter((org) => org.can.includes("org.spaces.create")).map((org) => org.name)];
}

/** The visibilities that mean something for an owner: "org" only for an org's Spaces. */
export function visibilityChoices(ownerIsOrg: boolean, owner: string): { value: Visibility; label: string; hint: string }[] {
  return [
    { value: "public", label: "Public", hint: "Anyone with the link can use it, signed in or not" },
    ...(ownerIsOrg ? [{ value: "org" as const, label: "Org", hint: `Every member of ${owner}` }] : []),
    {
      value: "private",
      label: "Private",
      hint: ownerIsOrg ? `Admins of ${owner} and the teams it is granted to` : "Only you",
    },
  ];
}

function memory(mb: number): string {
  return mb >= 1024 ? `${Number((mb / 1024).toFixed(1))} GB memory` : `${mb} MB memory`;
}

/** "2 CPU · 16 GB memory · 1× T4" */
export function flavorSpecs(flavor: Flavor): string {
  const parts = [`${flavor.cpu} CPU`, memory(flavor.memory_mb)];
  if (flavor.gpu_count > 0) parts.push(`${flavor.gpu_count}× ${flavor.gpu_type ?? "GPU"}`);
  return parts.join(" · ");
}

/** How many more of the flavor fit on the nodes now ("3 free now"), "" when the capacity is not known yet. */
export function freeNote(flavor: Flavor, capacity: Capacity | null | undefined): string {
  if (!capacity || capacity.observed_at === null) return "";
  const entry = capacity.flavors.find((f) => f.name === flavor.name);
  if (!entry) return "";
  return entry.free > 0 ? `${entry.free} free now` : "none free now: a Space waits for hardware";
}

export const PIP_COMMAND = "pip install podium";

export function loginCommand(origin: string): string {
  return `podium login --server ${origin}`;
}

export interface PushChoices {
  visibility: Visibility;
  hardware: string;
}

/**
 * `podium push . --space OWNER/NAME`; with `choices`, also the flags that give a Space that push creates the
 * chosen visibility and hardware (push changes those of an existing Space too, so they are left out after the
 * console has created it).
 */
export function pushCommand(owner: string, name: string, choices?: PushChoices): string {
  const flags: string[] = [];
  if (choices?.visibility === "private") flags.push("--private");
  if (choices?.visibility === "org") flags.push("--org");
  if (choices && choices.hardware !== DEFAULT_HARDWARE) flags.push("--hardware", choices.hardware);
  return ["podium push . --space", `${owner}/${name}`, ...flags].join(" ");
}

/** `text` as a front-matter value: plain when that reads back the same, else double-quoted. */
export function frontMatterText(text: string): string {
  const plain = /^[A-Za-z][\w .,!?()/'+-]*$/.test(text) && !/\s$/.test(text) && !/^(true|false|null)$/i.test(text);
  return plain ? text : `"${text.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

export interface FrontMatterChoices {
  title: string;
  sdk: Sdk;
  /** Seconds idle before sleeping, -1 never; left out when absent or the default (push reads it only when it
   * creates the Space). */
  sleepTime?: number;
}

/** The README.md front matter a Space's folder starts with (what `podium push` reads). */
export function frontMatter({ title, sdk, sleepTime }: FrontMatterChoices): string {
  const lines = ["---", `title: ${frontMatterText(title)}`, `sdk: ${sdk}`];
  lines.push(sdk === "docker" ? "app_port: 7860" : "app_file: app.py");
  if (sleepTime !== undefined && sleepTime !== DEFAULT_SLEEP_TIME) lines.push(`sleep_time: ${sleepTime}`);
  lines.push("---");
  return lines.join("\n");
}
