/** The header: the logo, the main links, the theme toggle and the user's menu (folded into a menu on phones). */
import { useEffect, useState } from "preact/hooks";
import { Link, useRoute } from "./router";
import { useSession } from "./session";
import { NEXT_THEME, setTheme, storedTheme, type ThemeChoice } from "./theme";

const THEME_LABEL: Record<ThemeChoice, string> = { system: "Theme: system", light: "Theme: light", dark: "Theme: dark" };

export function Header() {
  const { me, orgs, signOut } = useSession();
  const { path } = useRoute();
  const [open, setOpen] = useState(false);
  const [theme, setThemeState] = useState<ThemeChoice>(storedTheme);
  useEffect(() => setOpen(false), [path]);

  const toggleTheme = () => {
    const next = NEXT_THEME[theme];
    setTheme(next);
    setThemeState(next);
  };
  const current = (href: string) => (path === href ? "page" : undefined);
  return (
    <header class="pc-header">
      <Link href="/" class="pc-logo" aria-label="Podium home">
        <span class="pc-logo-mark" aria-hidden="true">▲</span> Podium
      </Link>
      <button
        type="button"
        class="pc-menu-button"
        aria-expanded={open}
        aria-controls="pc-nav"
        onClick={() => setOpen(!open)}
      >
        Menu
      </button>
      <nav id="pc-nav" class={`pc-nav${open ? " pc-nav-open" : ""}`} aria-label="Main">
        {me && (
          <>
            <Link href="/" aria-current={current("/")}>
              Spaces
            </Link>
            <Link href="/new" aria-current={current("/new")}>
              New Space
            </Link>
            {orgs.map((org) => (
              <Link key={org.name} href={`/orgs/${encodeURIComponent(org.name)}`} aria-current={path.startsWith(`/orgs/${org.name}`) ? "page" : undefined}>
                {org.display_name || org.name}
              </Link>
            ))}
            <Link href="/orgs/new" aria-current={current("/orgs/new")}>
              New org
            </Link>
          </>
        )}
        <span class="pc-nav-spacer" />
        <button type="button" class="pc-theme-toggle" onClick={toggleTheme} title={THEME_LABEL[theme]} aria-label={THEME_LABEL[theme]}>
          {theme === "dark" ? "☾" : theme === "light" ? "☀" : "◐"}
        </button>
        {me ? (
          <>
            <Link href="/account" class="pc-user" aria-current={path.startsWith("/account") ? "page" : undefined}>
              {me.username}
            </Link>
            <button type="button" class="pc-link-button" onClick={() => void signOut()}>
              Sign out
            </button>
          </>
        ) : (
          <Link href="/login">Sign in</Link>
        )}
      </nav>
    </header>
  );
}
