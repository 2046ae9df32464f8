/** The theme choice: "system" follows the OS (no `data-theme`); "light"/"dark" set `html[data-theme]`. */

export type ThemeChoice = "light" | "dark" | "system";

/** The localStorage key. An inline script in the page may read it before first paint to avoid a flash. */
export const THEME_STORAGE_KEY = "podium-theme";

type Store = Pick<Storage, "getItem" | "setItem" | "removeItem">;

function defaultStore(): Store | null {
  try {
    return globalThis.localStorage ?? null;
  } catch {
    return null; // storage disabled (privacy settings, sandboxed iframe)
  }
}

function defaultRoot(): HTMLElement | null {
  return globalThis.document?.documentElement ?? null;
}

/** The stored choice; "system" when none, or when storage is unavailable. */
export function readTheme(store: Store | null = defaultStore()): ThemeChoice {
  let value: string | null = null;
  try {
    value = store?.getItem(THEME_STORAGE_KEY) ?? null;
  } catch {
    /* unreadable storage counts as no choice */
  }
  return value === "light" || value === "dark" ? value : "system";
}

/** Shows `choice` on `root` and remembers it. */
export function applyTheme(
  choice: ThemeChoice,
  root: HTMLElement | null = defaultRoot(),
  store: Store | null = defaultStore(),
): void {
  if (root) {
    if (choice === "system") root.removeAttribute("data-theme");
    else root.setAttribute("data-theme", choice);
  }
  try {
    if (choice === "system") store?.removeItem(THEME_STORAGE_KEY);
    else store?.setItem(THEME_STORAGE_KEY, choice);
  } catch {
    /* the choice still applies to this page */
  }
}
