/**
 * The account pages' API shapes and their pure logic: which tabs there are, what a profile edit sends, token
 * scopes (each includes the ones below it, as the API ranks them), the create-token request, token and share-link
 * states, and which identity providers are not linked yet.
 */
import type { Me } from "../../types";

export type Scope = "read" | "write" | "admin";
export type LinkStatus = "active" | "expired" | "revoked";

/** An API token (`TokenOut`); the secret is never listed. */
export interface Token {
  public_id: string;
  name: string;
  prefix: string;
  scopes: Scope[];
  org: string | null;
  created_at: string;
  expires_at: string | null;
  last_used_at: string | null;
  revoked: boolean;
  revoked_at: string | null;
}

/** A token just created: `token` is its secret, shown this once. */
export interface NewToken extends Token {
  token: string;
}

/** An upstream account linked to the user (`IdentityOut`). */
export interface Identity {
  id: number;
  provider: string;
  email: string | null;
  created_at: string;
  last_login_at: string | null;
}

/** A sign-in provider of the installation (`GET /api/auth/providers`). */
export interface Provider {
  name: string;
  display_name: string;
  login_url: string;
}

/** A tunnel share link of the user's (`ShareLinkOut`). */
export interface ShareLink {
  id: string;
  subdomain: string;
  url: string;
  label: string | null;
  created_at: string;
  expires_at: string;
  revoked_at: string | null;
  last_seen_at: string | null;
  connected: boolean;
  status: LinkStatus;
}

/** One of the user's audited actions (`AuditEventOut`). */
export interface AuditEvent {
  id: number;
  created_at: string;
  org: string | null;
  actor: string;
  via: string;
  action: string;
  target_kind: string;
  target: string;
  ip: string | null;
  details: Record<string, unknown>;
}

export const ACCOUNT_TABS = [
  { id: "profile", label: "Profile" },
  { id: "identities", label: "Linked accounts" },
  { id: "tokens", label: "API tokens" },
  { id: "share-links", label: "Share links" },
  { id: "activity", label: "Activity" },
] as const;

export type AccountTab = (typeof ACCOUNT_TABS)[number]["id"];

export function isAccountTab(tab: string): tab is AccountTab {
  return ACCOUNT_TABS.some((t) => t.id === tab);
}

/** The tab's URL (`/account` for the profile). */
export function tabHref(tab: AccountTab): string {
  return tab === "profile" ? "/account" : `/account/${tab}`;
}

// --- profile -----------------------------------------------------------------------------------------------

export interface ProfileDraft {
  display_name: string;
  email: string;
}

/** The `PATCH /api/user` body for what changed in `draft` (empty: nothing to save). */
export function profileChanges(me: Pick<Me, "display_name" | "email">, draft: ProfileDraft): Partial<ProfileDraft> {
  const changes: Partial<ProfileDraft> = {};
  const name = draft.display_name.trim();
  if (name !== me.display_name) changes.display_name = name;
  const email = draft.email.trim();
  // An empty box for an account without an email is no change; the API checks everything else.
  if (email !== (me.email ?? "") && !(email === "" && me.email === null)) changes.email = email;
  return changes;
}

/** What is wrong with the new password's two copies before asking the API ("" when nothing). */
export function passwordMismatch(password: string, confirm: string): string {
  if (!password) return "Type the new password";
  return password === confirm ? "" : "The two copies of the new password differ";
}

// --- tokens --------------------------------------------------------------------------------------------

export const SCOPES: readonly { id: Scope; label: string; hint: string }[] = [
  { id: "read", label: "read", hint: "see Spaces, orgs and logs" },
  { id: "write", label: "write", hint: "also push, restart and create Spaces" },
  { id: "admin", label: "admin", hint: "also Space settings, org members and your account" },
];

const RANK: Record<Scope, number> = { read: 1, write: 2, admin: 3 };

/**
 * The scopes after ticking (`on`) or clearing `scope`: the API ranks them (admin includes write includes read),
 * so ticking one ticks those below it and clearing one clears those above it.
 */
export function toggleScope(scopes: readonly Scope[], scope: Scope, on: boolean): Scope[] {
  const have = new Set(scopes);
  for (const { id } of SCOPES) {
    if (on && RANK[id] <= RANK[scope]) have.add(id);
    if (!on && RANK[id] >= RANK[scope]) have.delete(id);
  }
  return SCOPES.map((s) => s.id).filter((id) => have.has(id));
}

/** `scopes` in rank order (the API stores them as given). */
export function sortScopes(scopes: readonly Scope[]): Scope[] {
  return SCOPES.map((s) => s.id).filter((id) => scopes.includes(id));
}

/** What a token lifetime may be: the API accepts 1 to 365 days and has no "never". */
export const EXPIRY_CHOICES = [
  { value: "7", label: "7 days" },
  { value: "30", label: "30 days" },
  { value: "90", label: "90 days" },
  { value: "365", label: "1 year (the longest allowed)" },
] as const;

export type ExpiryChoice = (typeof EXPIRY_CHOICES)[number]["value"];
export const DEFAULT_EXPIRY: ExpiryChoice = "90";
/** Enough to push Spaces with the CLI. */
export const DEFAULT_SCOPES: readonly Scope[] = ["read", "write"];

export interface TokenDraft {
  name: string;
  scopes: Scope[];
  expires: ExpiryChoice;
  /** "" for no org limit. */
  org: string;
}

export interface TokenRequest {
  name: string;
  scopes: Scope[];
  expires_in_days: number;
  org?: string;
}

/** The `POST /api/user/tokens` body for `draft`, or the message saying what to fix first. */
export function tokenRequest(draft: TokenDraft): { body: TokenRequest } | { error: string } {
  const name = draft.name.trim();
  if (!name) return { error: "Give the token a name, e.g. the machine it is for" };
  if (name.length > 100) return { error: "Token names have at most 100 characters" };
  if (draft.scopes.length === 0) return { error: "Pick at least one scope" };
  const body: TokenRequest = { name, scopes: [...draft.scopes], expires_in_days: Number(draft.expires) };
  if (draft.org) body.org = draft.org;
  return { body };
}

/** Whether a token still works at `now` (ms). */
export function tokenStatus(token: Token, now: number = Date.now()): LinkStatus {
  if (token.revoked) return "revoked";
  if (token.expires_at && Date.parse(token.expires_at) <= now) return "expired";
  return "active";
}

/** The command that stores a token for the CLI (it reads the token from standard input). */
export function loginCommand(origin: string): string {
  return `podium login --server ${origin} --token -`;
}

// --- identities and share links -------------------------------------------------------------------------

/** The providers the user has no linked identity with, in the installation's order. */
export function unlinkedProviders(providers: readonly Provider[], identities: readonly Identity[]): Provider[] {
  const linked = new Set(identities.map((i) => i.provider));
  return providers.filter((p) => !linked.has(p.name));
}

/** A provider's name for people ("GitHub"), or its id when the installation no longer offers it. */
export function providerLabel(providers: readonly Provider[], name: string): string {
  return providers.find((p) => p.name === name)?.display_name || name;
}

/** The link's `url` without its scheme, for display. */
export function shortUrl(url: string): string {
  return url.replace(/^[a-z]+:\/\//i, "").replace(/\/$/, "");
}
