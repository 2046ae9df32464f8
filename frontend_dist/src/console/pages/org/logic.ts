/**
 * The org pages' pure rules: which tabs and controls a caller gets (from `OrgOut.can` and their role, the
 * policy's answers), name checks as the API makes them, the audit filters kept in the URL, and usage figures.
 * No DOM here, so Vitest tests it in Node.
 */
import { seg, withQuery } from "../../api";
import type { Me, Org, Role } from "../../types";

/** The API's name rule for orgs, teams and Spaces (NAME_PATTERN in podium_cp.models.identity). */
export const NAME_PATTERN = /^[a-z0-9]([a-z0-9-]{0,37}[a-z0-9])?$/;

/** Why `name` cannot name an org or a team, or "" when it can. */
export function nameProblem(name: string): string {
  if (!name) return "Pick a name";
  if (name.length > 39) return "At most 39 characters";
  if (!NAME_PATTERN.test(name)) {
    return "Lower-case letters, digits and hyphens only, starting and ending with a letter or digit";
  }
  return "";
}

/** Why `space` cannot be the key of a team's grant (a Space name of the org, or `*`), or "". */
export function grantSpaceProblem(space: string): string {
  if (space === "*") return "";
  if (!space) return "Name a Space, or * for every Space of the org";
  return NAME_PATTERN.test(space) ? "" : "A Space name (lower-case letters, digits, hyphens) or * for every Space";
}

/** How a grant's key reads: `*` is every Space of the org. */
export function grantLabel(space: string): string {
  return space === "*" ? "every Space (*)" : space;
}

/** The teams tab, or one team in it (`?team=NAME`). */
export function teamHref(org: string, team?: string): string {
  return `/orgs/${seg(org)}/teams${team ? `?team=${seg(team)}` : ""}`;
}

export type OrgTab = "members" | "invitations" | "teams" | "quota" | "audit" | "settings";

/** The org page's tabs, in order, with the actions of which any one shows the tab. */
export const ORG_TABS: readonly { id: OrgTab; label: string; needs: readonly string[] }[] = [
  { id: "members", label: "Members", needs: ["org.members.read"] },
  { id: "invitations", label: "Invitations", needs: ["org.members.invite"] },
  { id: "teams", label: "Teams", needs: ["org.teams.read"] },
  { id: "quota", label: "Quota", needs: ["org.members.read"] },
  { id: "audit", label: "Audit log", needs: ["org.audit.read"] },
  { id: "settings", label: "Settings", needs: ["org.update", "org.delete"] },
];

export function isOrgTab(tab: string): tab is OrgTab {
  return ORG_TABS.some((t) => t.id === tab);
}

/** The tabs `can` allows (a caller who may not read the members is an outsider: none at all). */
export function visibleTabs(can: readonly string[]): OrgTab[] {
  if (!can.includes("org.members.read")) return [];
  return ORG_TABS.filter((t) => t.needs.some((action) => can.includes(action))).map((t) => t.id);
}

/** Whether the caller sees the org as a member (its tabs) rather than its public profile. */
export function seesInside(org: Pick<Org, "can">): boolean {
  return org.can.includes("org.members.read");
}

/** Granting or taking `owner` needs the owner role (org.members.set_owner, not in `can`): owners and site admins. */
export function managesOwners(org: Pick<Org, "role">, me: Pick<Me, "site_admin"> | null): boolean {
  return org.role === "owner" || Boolean(me?.site_admin);
}

/** The roles the caller may give (to members or invitations). */
export function roleChoices(ownersToo: boolean): Role[] {
  return ownersToo ? ["read", "write", "admin", "owner"] : ["read", "write", "admin"];
}

/** Whether the caller gets a role picker for `member` (an owner's role only owners may touch). */
export function mayChangeRole(org: Pick<Org, "can">, member: { role: Role }, ownersToo: boolean): boolean {
  return org.can.includes("org.members.set_role") && (member.role !== "owner" || ownersToo);
}

/** Whether the caller gets a Remove button for `member` (yourself: Leave instead). */
export function mayRemove(
  org: Pick<Org, "can">,
  member: { role: Role; username: string },
  ownersToo: boolean,
  me: string | undefined,
): boolean {
  if (member.username === me) return false;
  return org.can.includes("org.members.remove") && (member.role !== "owner" || ownersToo);
}

// --- audit filters: kept in the URL's query ------------------------------------------------------------

export interface AuditFilters {
  action: string;
  actor: string;
  target: string;
  /** A day, YYYY-MM-DD (local time), or "". */
  since: string;
  /** A day, YYYY-MM-DD (local time, included), or "". */
  until: string;
}

export const NO_FILTERS: AuditFilters = { action: "", actor: "", target: "", since: "", until: "" };
const FILTER_KEYS = Object.keys(NO_FILTERS) as (keyof AuditFilters)[];
const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** The filters a URL query holds (unknown parameters ignored, malformed days dropped). */
export function filtersFromQuery(query: URLSearchParams): AuditFilters {
  const filters = { ...NO_FILTERS };
  for (const key of FILTER_KEYS) filters[key] = (query.get(key) ?? "").trim();
  if (dayStartIso(filters.since) === null) filters.since = "";
  if (dayStartIso(filters.until) === null) filters.until = "";
  return filters;
}

/** The query string (with its `?`, or "") that keeps `filters` in the URL. */
export function filtersToQuery(filters: AuditFilters): string {
  const query = new URLSearchParams();
  for (const key of FILTER_KEYS) if (filters[key].trim()) query.set(key, filters[key].trim());
  const text = query.toString();
  return text ? `?${text}` : "";
}

export function hasFilters(filters: AuditFilters): boolean {
  return FILTER_KEYS.some((key) => filters[key] !== "");
}

function localDay(day: string, plusDays: number): string | null {
  const m = DAY.exec(day);
  if (!m) return null;
  const [year, month, date] = [Number(m[1]), Number(m[2]) - 1, Number(m[3])];
  const when = new Date(year, month, date + plusDays);
  // Reject days that do not exist (2024-02-31 would roll over into March).
  const check = new Date(year, month, date);
  if (check.getFullYear() !== year || check.getMonth() !== month || check.getDate() !== date) return null;
  return when.toISOString();
}

/** The start of a local day as an ISO time with its zone (what the API's `since` wants); null if not a day. */
export function dayStartIso(day: string): string | null {
  return localDay(day, 0);
}

/** The start of the day after a local day: the API's `until` is exclusive, the filter's day is included. */
export function dayEndIso(day: string): string | null {
  return localDay(day, 1);
}

/** The API path of one page of the org's audit log with `filters`. */
export function auditPath(org: string, filters: AuditFilters, cursor: string | null, limit = 50): string {
  return withQuery(`/api/orgs/${seg(org)}/audit`, {
    action: filters.action,
    actor: filters.actor,
    target: filters.target,
    since: filters.since ? dayStartIso(filters.since) : null,
    until: filters.until ? dayEndIso(filters.until) : null,
    limit,
    cursor,
  });
}

/** A value of an audit event's details in words: `{max_spaces: 5, max_gpus: 2}`, `[a, b]`, `admin`. */
function brief(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(brief).join(", ")}]`;
  if (value !== null && typeof value === "object") {
    return `{${Object.entries(value).map(([k, v]) => `${k}: ${brief(v)}`).join(", ")}}`;
  }
  return String(value);
}

/** A short one-line reading of an audit event's details ("role: admin, org: acme"), or "" when none. */
export function detailsSummary(details: Record<string, unknown>, max = 80): string {
  const text = Object.entries(details)
    .filter(([, value]) => value !== null && value !== undefined)
    .map(([key, value]) => `${key}: ${brief(value)}`)
    .join(", ");
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

// --- quota -------------------------------------------------------------------------------------------

export interface Usage {
  /** 0-100, for a bar's width. */
  percent: number;
  /** "3 of 10". */
  label: string;
  level: "ok" | "high" | "full";
}

/** How much of a limit is used: the bar's width, its words and whether it is nearly or fully used. */
export function usage(used: number, max: number): Usage {
  const label = `${used} of ${max}`;
  if (max <= 0) return { percent: used > 0 ? 100 : 0, label, level: used > 0 ? "full" : "ok" };
  const percent = Math.min(100, Math.round((used / max) * 100));
  return { percent, label, level: used >= max ? "full" : percent >= 80 ? "high" : "ok" };
}

/** Why a quota field's text is not a limit the API takes (a whole number 0..`max`), or "". */
export function limitProblem(text: string, max: number): string {
  if (!/^\d+$/.test(text.trim())) return "A whole number";
  return Number(text) > max ? `At most ${max}` : "";
}
