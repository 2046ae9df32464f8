/**
 * What the Space page offers, from the Space alone (no DOM): its tabs for the caller's `can`, the actions of
 * its header, and what the App tab shows for each stage.
 */
import type { Space } from "../../types";

export const TABS = ["app", "logs", "revisions", "settings", "links"] as const;
export type TabId = (typeof TABS)[number];

export const TAB_LABEL: Record<TabId, string> = {
  app: "App",
  logs: "Logs",
  revisions: "Revisions",
  settings: "Settings",
  links: "Links",
};

/** The action a tab needs beyond reading the Space (none for the others). */
const TAB_NEEDS: Partial<Record<TabId, string>> = { settings: "space.admin", links: "space.write" };

export function isTab(tab: string): tab is TabId {
  return (TABS as readonly string[]).includes(tab);
}

/** The tabs the caller is offered. */
export function tabsFor(can: readonly string[]): TabId[] {
  return TABS.filter((tab) => mayOpen(tab, can));
}

/** Whether the caller may use `tab`. */
export function mayOpen(tab: TabId, can: readonly string[]): boolean {
  const needs = TAB_NEEDS[tab];
  return needs === undefined || can.includes(needs);
}

/** Why `tab` is closed to the caller, in words. */
export function closedTabNote(tab: TabId): string {
  return tab === "settings"
    ? "You need the admin role on this Space to change its settings."
    : "You need write access to this Space to manage its links.";
}

export interface SpaceActions {
  restart: boolean;
  pause: boolean;
  resume: boolean;
  delete: boolean;
}

/** The header's actions the caller may take now: restart (write, not while paused), pause or resume (admin,
 * whichever applies), delete (admin). */
export function spaceActions(space: Pick<Space, "can" | "desired_state" | "stage">): SpaceActions {
  const write = space.can.includes("space.write");
  const admin = space.can.includes("space.admin");
  const paused = space.desired_state === "paused" || space.stage === "PAUSED";
  const deleting = space.desired_state === "deleted" || space.stage === "DELETING";
  return {
    restart: write && !paused && !deleting,
    pause: admin && !paused && !deleting,
    resume: admin && paused && !deleting,
    delete: admin && !deleting,
  };
}

export interface AppView {
  /** Show the app in the frame now. */
  embed: boolean;
  /** Opening the app wakes it (a button offers to). */
  wakes: boolean;
  /** What to tell the reader above (or instead of) the app; "" for nothing. */
  note: string;
}

/** What the App tab shows for the Space's stage; `woken` is true once the reader chose to wake it here. */
export function appView(space: Pick<Space, "stage" | "stage_message">, woken: boolean): AppView {
  const detail = space.stage_message ? ` ${space.stage_message}` : "";
  switch (space.stage) {
    case "RUNNING":
      return { embed: true, wakes: false, note: "" };
    case "RUNNING_BUILDING":
      return { embed: true, wakes: false, note: "A new revision is building; this is the app that serves until it is ready." };
    case "SLEEPING":
      return woken
        ? { embed: true, wakes: false, note: "Waking the Space; the app appears when it answers." }
        : { embed: false, wakes: true, note: "The Space is sleeping; opening it wakes it." };
    case "APP_STARTING":
      return { embed: woken, wakes: false, note: "The app is starting; it appears here when it answers." };
    case "BUILDING":
      return { embed: false, wakes: false, note: "The Space is building; the app appears when the build finishes." };
    case "BUILD_ERROR":
      return { embed: false, wakes: false, note: `The build failed; see its log in the Logs tab.${detail}` };
    case "RUNTIME_ERROR":
      return { embed: false, wakes: false, note: `The app stopped with an error; see the runtime log.${detail}` };
    case "CONFIG_ERROR":
      return { embed: false, wakes: false, note: `The Space's configuration is invalid.${detail}` };
    case "NO_APP_FILE":
      return { embed: false, wakes: false, note: "The Space has no app yet: push its files with podium push." };
    case "PAUSED":
      return { embed: false, wakes: false, note: "The Space is paused; resume it to use the app." };
    case "WAITING_FOR_HARDWARE":
      return { embed: false, wakes: false, note: `The Space is waiting for its hardware.${detail}` };
    case "DELETING":
      return { embed: false, wakes: false, note: "The Space is being deleted." };
    default:
      return { embed: false, wakes: false, note: `The Space is not running.${detail}` };
  }
}
