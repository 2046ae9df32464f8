/**
 * The home page's filters, kept in the URL query (`/?owner=acme&q=chat&stage=error&visibility=private`) so that a
 * reload, the back button or a shared link keep them. Owner and search go to the API (`owner=`, `search=`); stage
 * and visibility are applied here, to what it answered.
 */
import { withQuery } from "../../api";
import type { Space, Visibility } from "../../types";
import { stageKind, type StageKind } from "../../ui/badge";

export type StageFilter = "all" | StageKind;
export type VisibilityFilter = "all" | Visibility;

export const STAGE_FILTERS: readonly { value: StageFilter; label: string }[] = [
  { value: "all", label: "Any status" },
  { value: "running", label: "Running" },
  { value: "building", label: "Building or starting" },
  { value: "sleeping", label: "Sleeping" },
  { value: "waiting", label: "Waiting for hardware" },
  { value: "stopped", label: "Paused or stopped" },
  { value: "error", label: "Error" },
];

export const VISIBILITY_FILTERS: readonly { value: VisibilityFilter; label: string }[] = [
  { value: "all", label: "Any visibility" },
  { value: "public", label: "Public" },
  { value: "org", label: "Org" },
  { value: "private", label: "Private" },
];

export interface HomeFilters {
  /** An org's or user's name; "" for every owner. */
  owner: string;
  /** Text to find in names and titles (the API's `search`); "" for none. */
  q: string;
  stage: StageFilter;
  visibility: VisibilityFilter;
}

export const NO_FILTERS: HomeFilters = { owner: "", q: "", stage: "all", visibility: "all" };

const OWNER = /^[a-z0-9]([a-z0-9-]{0,37}[a-z0-9])?$/;
const MAX_SEARCH = 100; // the API's limit on `search`

function oneOf<T extends string>(value: string | null, options: readonly { value: T }[], fallback: T): T {
  return options.find((option) => option.value === value)?.value ?? fallback;
}

/** The filters a URL query says (unknown or malformed values count as "no filter"). */
export function readFilters(query: URLSearchParams): HomeFilters {
  const owner = (query.get("owner") ?? "").trim().toLowerCase();
  return {
    owner: OWNER.test(owner) ? owner : "",
    q: (query.get("q") ?? "").slice(0, MAX_SEARCH),
    stage: oneOf(query.get("stage"), STAGE_FILTERS, "all"),
    visibility: oneOf(query.get("visibility"), VISIBILITY_FILTERS, "all"),
  };
}

/** The home URL of `filters` (only the ones that are set). */
export function homeHref(filters: HomeFilters): string {
  return withQuery("/", {
    owner: filters.owner,
    q: filters.q.trim(),
    stage: filters.stage === "all" ? "" : filters.stage,
    visibility: filters.visibility === "all" ? "" : filters.visibility,
  });
}

/** The API request for the Spaces of `filters` (its owner and search; stage and visibility are applied here). */
export function spacesPath(filters: HomeFilters): string {
  return withQuery("/api/spaces", { owner: filters.owner, search: filters.q.trim() });
}

/** Whether `space` passes the filters applied here (stage kind and visibility). */
export function matches(space: Space, filters: HomeFilters): boolean {
  if (filters.stage !== "all" && stageKind(space.stage) !== filters.stage) return false;
  return filters.visibility === "all" || space.visibility === filters.visibility;
}

export function isFiltered(filters: HomeFilters): boolean {
  return homeHref(filters) !== "/";
}

/** The owners to offer: everyone, the user, their orgs, and the one in the URL if it is none of those. */
export function ownerOptions(me: string, orgs: readonly string[], current: string): { value: string; label: string }[] {
  const names = [me, ...orgs.filter((org) => org !== me)];
  if (current && !names.includes(current)) names.push(current);
  return [{ value: "", label: "All owners" }, ...names.map((name) => ({ value: name, label: name === me ? `${name} (you)` : name }))];
}
