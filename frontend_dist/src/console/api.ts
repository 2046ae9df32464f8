/**
 * The console's one client of the control plane's REST API (same origin, the session cookie).
 *
 * JSON in and out; every change carries the CSRF header (the `podium_csrf` cookie's value); errors become
 * `ApiError` with the API's stable `code` and its `message`, which the pages show as they are. A 401 meaning
 * "not signed in" calls the handler the shell installs (it sends the browser to the sign-in page).
 */

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

/** A page of a list: the API's keyset pagination (`?limit=&cursor=`). */
export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

let onSignedOut: ((error: ApiError) => void) | null = null;

/** Installed by the shell: what to do when the API says the session is gone. */
export function setSignedOutHandler(handler: ((error: ApiError) => void) | null): void {
  onSignedOut = handler;
}

/** The value of cookie `name` in `cookies` (document.cookie's format), or "". */
export function cookieValue(cookies: string, name: string): string {
  for (const part of cookies.split(";")) {
    const [key, ...rest] = part.trim().split("=");
    if (key === name) return decodeURIComponent(rest.join("="));
  }
  return "";
}

function csrfToken(): string {
  return typeof document === "undefined" ? "" : cookieValue(document.cookie, "podium_csrf");
}

/** The ApiError for a response that is not OK; `body` is its text. */
export function errorFrom(status: number, body: string): ApiError {
  try {
    const parsed = JSON.parse(body) as { error?: { code?: string; message?: string; details?: unknown } };
    if (parsed.error?.message) {
      return new ApiError(status, parsed.error.code ?? "error", parsed.error.message, parsed.error.details);
    }
  } catch {
    // not JSON: a proxy's page, say
  }
  const message = status >= 500 ? "The server had a problem; try again in a moment" : `Request failed (${status})`;
  return new ApiError(status, status >= 500 ? "server_error" : "error", message);
}

const SIGNED_OUT_CODES = new Set(["session_expired", "unauthenticated"]);

/** Whether `error` means "sign in (again)". */
export function isSignedOut(error: unknown): boolean {
  return error instanceof ApiError && error.status === 401 && SIGNED_OUT_CODES.has(error.code);
}

export interface RequestOptions {
  /** Do not call the signed-out handler on 401 (the sign-in page's own requests). */
  quiet401?: boolean;
  signal?: AbortSignal;
}

/** `method path` with an optional JSON `body`; the parsed JSON answer (undefined for 204). */
export async function request<T>(method: Method, path: string, body?: unknown, options: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET") headers["X-CSRF-Token"] = csrfToken();
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "same-origin",
      signal: options.signal,
    });
  } catch (error) {
    if (error instanceof DOMException && error.name === "AbortError") throw error;
    throw new ApiError(0, "network", "Cannot reach the server; check your connection");
  }
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  if (!response.ok) {
    const error = errorFrom(response.status, text);
    if (!options.quiet401 && isSignedOut(error) && onSignedOut) onSignedOut(error);
    throw error;
  }
  return (text ? JSON.parse(text) : undefined) as T;
}

export const api = {
  get: <T>(path: string, options?: RequestOptions) => request<T>("GET", path, undefined, options),
  post: <T>(path: string, body?: unknown, options?: RequestOptions) => request<T>("POST", path, body ?? {}, options),
  put: <T>(path: string, body?: unknown) => request<T>("PUT", path, body ?? {}),
  patch: <T>(path: string, body: unknown) => request<T>("PATCH", path, body),
  del: (path: string) => request<void>("DELETE", path),
};

/** `path` with the query parameters that are set (undefined, null and "" are left out). */
export function withQuery(path: string, params: Record<string, string | number | boolean | null | undefined>): string {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== "") query.set(key, String(value));
  }
  const text = query.toString();
  return text ? `${path}${path.includes("?") ? "&" : "?"}${text}` : path;
}

/** Every item of a paginated list, following `next_cursor` (at most `max` items). */
export async function getAll<T>(path: string, max = 1000): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | null = null;
  do {
    const page: Page<T> = await api.get<Page<T>>(withQuery(path, { limit: 200, cursor }));
    items.push(...page.items);
    cursor = page.next_cursor;
  } while (cursor && items.length < max);
  return items;
}

/** A path segment, escaped. */
export const seg = (value: string): string => encodeURIComponent(value);
