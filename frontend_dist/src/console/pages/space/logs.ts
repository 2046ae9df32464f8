/**
 * The logic of the log viewer, free of the DOM: a capped list of lines, search (filter and the parts to
 * highlight), the text and name of a download, and the streams' URLs and connection states.
 */
import { withQuery } from "../../api";
import type { Build } from "./types";
import { spaceApi } from "./types";

/** The viewer keeps the last this many lines. */
export const MAX_LINES = 5000;
/** Lines the runtime log starts with. */
export const RUNTIME_TAIL = 500;
/** How close to the bottom (px) still counts as "at the bottom" (follow goes on again there). */
export const BOTTOM_SLACK_PX = 24;

export type LogKind = "runtime" | "build";

/** A line as shown: `marker` lines are the viewer's own notes (a new container), not the app's output. */
export interface LogLine {
  key: number;
  text: string;
  marker?: boolean;
}

/** Where a stream stands: connecting, live, reconnecting (the browser retries), ended (for good). */
export type Connection = "connecting" | "live" | "reconnecting" | "ended";

export const CONNECTION_LABEL: Record<Connection, string> = {
  connecting: "Connecting…",
  live: "Live",
  reconnecting: "Reconnecting…",
  ended: "Ended",
};

/** `lines` followed by `added`, keeping the last `cap`. */
export function appendCapped(lines: LogLine[], added: LogLine[], cap: number = MAX_LINES): LogLine[] {
  if (added.length === 0) return lines;
  if (added.length >= cap) return added.slice(added.length - cap);
  const kept = lines.length + added.length > cap ? lines.slice(lines.length + added.length - cap) : lines;
  return kept.concat(added);
}

/** The lines that contain `query` (case-insensitive); all of them for an empty query. */
export function filterLines(lines: LogLine[], query: string): LogLine[] {
  if (!query) return lines;
  const needle = query.toLowerCase();
  return lines.filter((line) => line.text.toLowerCase().includes(needle));
}

export interface Part {
  text: string;
  match: boolean;
}

/** `text` cut into the parts that match `query` (case-insensitive) and those between them. */
export function matchParts(text: string, query: string): Part[] {
  if (!query) return [{ text, match: false }];
  const haystack = text.toLowerCase();
  const needle = query.toLowerCase();
  const parts: Part[] = [];
  let from = 0;
  for (let at = haystack.indexOf(needle); at !== -1; at = haystack.indexOf(needle, from)) {
    if (at > from) parts.push({ text: text.slice(from, at), match: false });
    parts.push({ text: text.slice(at, at + needle.length), match: true });
    from = at + needle.length;
  }
  if (from < text.length || parts.length === 0) parts.push({ text: text.slice(from), match: false });
  return parts;
}

/** The text of a download: one line each, ending with a newline. */
export function logText(lines: LogLine[]): string {
  return lines.map((line) => `${line.text}\n`).join("");
}

/** `OWNER-NAME-runtime.log`, or `OWNER-NAME-build-ID.log` for a build's log. */
export function logFileName(owner: string, name: string, kind: LogKind, buildId?: number): string {
  const what = kind === "build" && buildId !== undefined ? `build-${buildId}` : kind;
  return `${owner}-${name}-${what}.log`.replace(/[^A-Za-z0-9._-]/g, "_");
}

/** Whether a scrolled box is at (or within a few pixels of) its bottom. */
export function atBottom(scrollTop: number, clientHeight: number, scrollHeight: number): boolean {
  return scrollHeight - scrollTop - clientHeight <= BOTTOM_SLACK_PX;
}

/** The runtime log's stream: the last RUNTIME_TAIL lines, then new ones. */
export function runtimeLogUrl(owner: string, name: string): string {
  return withQuery(`${spaceApi(owner, name)}/logs`, { follow: true, tail: RUNTIME_TAIL });
}

/** A build's log: followed (server-sent events) or as plain text. */
export function buildLogUrl(owner: string, name: string, buildId: number, follow: boolean): string {
  return withQuery(`${spaceApi(owner, name)}/builds/${buildId}/logs`, { follow: follow || undefined });
}

/** The newest build of a list (the API lists them newest first; the largest id wins either way). */
export function newestBuild(builds: Build[]): Build | null {
  let newest: Build | null = null;
  for (const build of builds) if (!newest || build.id > newest.id) newest = build;
  return newest;
}

/** Whether a build will write no more lines. */
export function buildFinished(build: Pick<Build, "status">): boolean {
  return build.status === "succeeded" || build.status === "failed" || build.status === "cancelled";
}
