/**
 * Where the sign-in pages send the browser afterwards (`?next=`), and how: console pages by the router, the few
 * API paths that send people on by redirect (a Space's sign-in, the OIDC provider's authorize step) by a full page
 * load, so that the API can redirect; anything else of the API's goes home instead of to a console 404.
 */
import { navigate, safeNext } from "../../router";

/** API paths a sign-in may continue to: they answer with a redirect (to a Space, or to an app signing in with us). */
const SERVER_CONTINUATIONS = ["/api/auth/space-login", "/oauth/authorize"];
/** Paths the API answers itself, never console pages. */
const SERVER_PREFIXES = ["/api/", "/oauth/", "/.well-known/", "/_console/"];
/** The sign-in pages themselves: going "back" to one would show it again to a signed-in user. */
const SIGN_IN_PAGES = ["/login", "/signup", "/setup"];

export interface SignInTarget {
  path: string;
  /** Load it as a new page (`location.assign`) rather than route to it inside the console. */
  fullLoad: boolean;
}

function pathPart(path: string): string {
  return path.split(/[?#]/, 1)[0];
}

/** Where to go after signing in, given the `next` parameter (null: home). */
export function signInTarget(next: string | null | undefined): SignInTarget {
  const path = safeNext(next);
  const bare = pathPart(path);
  if (SERVER_CONTINUATIONS.includes(bare)) return { path, fullLoad: true };
  if (SERVER_PREFIXES.some((prefix) => bare.startsWith(prefix) || `${bare}/` === prefix) || SIGN_IN_PAGES.includes(bare)) {
    return { path: "/", fullLoad: false };
  }
  return { path, fullLoad: false };
}

/** `path` with `?next=` (or `&next=`) added, unless `next` is home. */
export function withNext(path: string, next: string | null | undefined): string {
  const target = safeNext(next);
  if (target === "/") return path;
  return `${path}${path.includes("?") ? "&" : "?"}next=${encodeURIComponent(target)}`;
}

/** The provider's sign-in URL (`login_url` of GET /api/auth/providers), coming back to `next`. */
export function providerHref(loginUrl: string, next: string | null | undefined): string {
  const target = safeNext(next);
  return `${loginUrl}${loginUrl.includes("?") ? "&" : "?"}next=${encodeURIComponent(target)}`;
}

/** OWNER/NAME when `next` is a Space's sign-in (`/api/auth/space-login?space=OWNER/NAME...`), else null. */
export function spaceOf(next: string | null | undefined): string | null {
  const target = safeNext(next);
  if (pathPart(target) !== SERVER_CONTINUATIONS[0]) return null;
  const space = new URLSearchParams(target.split("?")[1] ?? "").get("space");
  return space && /^[a-z0-9-]+\/[a-z0-9-]+$/.test(space) ? space : null;
}

/** Go where `next` says after signing in (a full page load for the API's redirecting paths). */
export function continueAfterSignIn(next: string | null | undefined): void {
  const target = signInTarget(next);
  if (target.fullLoad) location.assign(target.path);
  else navigate(target.path, { replace: true });
}

const PROVIDER_NAME = /^[A-Za-z0-9_-]{1,40}$/;

/**
 * What to tell someone whose sign-in with an identity provider failed: the API's callback redirects here with
 * `?error=CODE&provider=NAME`. Only known codes get their words (never text from the URL); a provider name is
 * shown only when it looks like one.
 */
export function providerFailure(code: string | null, provider: string | null): string | null {
  if (!code) return null;
  const who = provider && PROVIDER_NAME.test(provider) ? provider : "the identity provider";
  switch (code) {
    case "signup_closed":
      return `No account here is linked to that ${who} account, and sign-up is closed: ask an admin for an invitation.`;
    case "identity_taken":
      return `That ${who} account is already linked to another Podium account.`;
    case "oidc_link_failed":
      return "Linking must finish in the browser session that started it: sign in, then link the account again.";
    default:
      return `Signing in with ${who} did not work; try again, or sign in with your password.`;
  }
}
