/** The Revisions tab's logic, free of the DOM: revisions joined with their builds, and fetching a plain-text log. */
import { errorFrom } from "../../api";
import type { Build, Revision } from "./types";

export interface RevisionRow {
  revision: Revision;
  /** The revision's newest build; null when it was never built (a config error, no app file). */
  build: Build | null;
  serving: boolean;
  latest: boolean;
}

/**
 * Each revision with its newest build (joined by revision number), which one serves and which is the latest
 * (the Space's, or a newer one the list already holds: the two are polled apart).
 */
export function revisionRows(revisions: Revision[], builds: Build[], serving: number | null, latest: number | null): RevisionRow[] {
  const newestNumber = Math.max(latest ?? 0, ...revisions.map((revision) => revision.number));
  const newest = new Map<number, Build>();
  for (const build of builds) {
    const known = newest.get(build.revision);
    if (!known || build.id > known.id) newest.set(build.revision, build);
  }
  return [...revisions]
    .sort((a, b) => b.number - a.number)
    .map((revision) => ({
      revision,
      build: newest.get(revision.number) ?? null,
      serving: revision.number === serving,
      latest: revision.number === newestNumber,
    }));
}

/** Bytes in words: "512 B", "3.4 KB", "12 MB". */
export function sizeText(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ["KB", "MB", "GB"];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}

/** GET `path` as text (a build's plain log), with the API's errors as ApiError. */
export async function fetchText(path: string): Promise<string> {
  const response = await fetch(path, { credentials: "same-origin", headers: { Accept: "text/plain" } });
  const text = await response.text();
  if (!response.ok) throw errorFrom(response.status, text);
  return text;
}
