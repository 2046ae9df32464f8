/**
 * History routing for the console: paths are real URLs (the API serves index.html for each), `navigate`
 * pushes one, `<Link>` is an `<a>` whose plain clicks stay in the page, and `useRoute` re-renders on change.
 */
import { createElement, type ComponentChildren, type JSX } from "preact";
import { useEffect, useState } from "preact/hooks";

export interface Location {
  path: string;
  query: URLSearchParams;
}

const listeners = new Set<() => void>();

function current(): Location {
  return { path: location.pathname, query: new URLSearchParams(location.search) };
}

function notify(): void {
  for (const listener of listeners) listener();
}

if (typeof window !== "undefined") addEventListener("popstate", notify);

/** Go to `to` (a path with an optional query) without a reload; `replace` keeps the history entry. */
export function navigate(to: string, { replace = false } = {}): void {
  if (replace) history.replaceState(null, "", to);
  else history.pushState(null, "", to);
  scrollTo?.(0, 0);
  notify();
}

/** The current location; the component re-renders when it changes. */
export function useRoute(): Location {
  const [location, setLocation] = useState(current);
  useEffect(() => {
    const update = () => setLocation(current());
    listeners.add(update);
    return () => void listeners.delete(update);
  }, []);
  return location;
}

/**
 * The parameters of `path` if it matches `pattern`, else null. Segments `:name` capture one segment (decoded);
 * a trailing `*` matches any rest (captured as `rest`, "" when absent).
 */
export function matchRoute(pattern: string, path: string): Record<string, string> | null {
  const want = pattern.split("/").filter(Boolean);
  const got = path.split("/").filter(Boolean);
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const part = want[i];
    if (part === "*") {
      params.rest = got.slice(i).join("/");
      return params;
    }
    if (i >= got.length) return null;
    if (part.startsWith(":")) {
      try {
        params[part.slice(1)] = decodeURIComponent(got[i]);
      } catch {
        return null;
      }
    } else if (part !== got[i]) return null;
  }
  return got.length === want.length ? params : null;
}

/**
 * Whether `next` is safe to go to after signing in: a path of this site (not `//host`, not a scheme). Returns
 * the path, or "/" when it is not.
 */
export function safeNext(next: string | null | undefined): string {
  if (!next || !next.startsWith("/") || next.startsWith("//") || next.startsWith("/\\")) return "/";
  return next;
}

type LinkProps = JSX.HTMLAttributes<HTMLAnchorElement> & { href: string; children?: ComponentChildren };

/** An `<a>` that navigates inside the console on a plain left click (new tabs etc. work as usual). */
export function Link({ href, onClick, ...rest }: LinkProps) {
  const click = (event: JSX.TargetedMouseEvent<HTMLAnchorElement>) => {
    if (typeof onClick === "function") onClick(event);
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) {
      return;
    }
    event.preventDefault();
    navigate(href);
  };
  return createElement("a", { ...rest, href, onClick: click });
}
