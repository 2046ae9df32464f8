/**
 * The console's shell: loads who is signed in (and whether the installation has its first user yet), sends
 * visitors to sign in or to the first-run page, and renders the header and the page for the URL.
 */
import { useCallback, useEffect, useMemo, useState } from "preact/hooks";
import { api, getAll, isSignedOut, setSignedOutHandler } from "./api";
import { Header } from "./header";
import { InvitationPage } from "./pages/auth/invitation";
import { LoginPage } from "./pages/auth/login";
import { SetupPage } from "./pages/auth/setup";
import { SignupPage } from "./pages/auth/signup";
import { AccountPage } from "./pages/account/account";
import { HomePage } from "./pages/home/home";
import { NewSpacePage } from "./pages/home/new-space";
import { NewOrgPage } from "./pages/org/new-org";
import { OrgPage } from "./pages/org/org";
import { SpacePage } from "./pages/space/space";
import { matchRoute, navigate, useRoute, type Location } from "./router";
import { SessionContext, type Session } from "./session";
import type { Me, Org } from "./types";
import { NotFound, Spinner } from "./ui/misc";
import { Toasts, toast } from "./ui/toast";

/** Pages anyone may open; every other page needs a signed-in user. */
const PUBLIC = ["/login", "/signup", "/setup", "/invitations/:token"];

/** The page for `path` (null: not found). */
export function pageFor(location: Location) {
  const { path } = location;
  let m: Record<string, string> | null;
  if (path === "/") return <HomePage />;
  if (path === "/login") return <LoginPage />;
  if (path === "/signup") return <SignupPage />;
  if (path === "/setup") return <SetupPage />;
  if (path === "/new") return <NewSpacePage />;
  if (path === "/orgs/new") return <NewOrgPage />;
  if ((m = matchRoute("/invitations/:token", path))) return <InvitationPage token={m.token} />;
  if ((m = matchRoute("/spaces/:owner/:name", path))) return <SpacePage owner={m.owner} name={m.name} tab="app" />;
  if ((m = matchRoute("/spaces/:owner/:name/:tab", path))) return <SpacePage owner={m.owner} name={m.name} tab={m.tab} />;
  if ((m = matchRoute("/orgs/:org", path))) return <OrgPage org={m.org} tab="members" />;
  if ((m = matchRoute("/orgs/:org/:tab", path))) return <OrgPage org={m.org} tab={m.tab} />;
  if (path === "/account") return <AccountPage tab="profile" />;
  if ((m = matchRoute("/account/:tab", path))) return <AccountPage tab={m.tab} />;
  return null;
}

export function isPublic(path: string): boolean {
  return PUBLIC.some((pattern) => matchRoute(pattern, path) !== null);
}

type Boot = "loading" | "setup" | "ready";

export function Console() {
  const location = useRoute();
  const [boot, setBoot] = useState<Boot>("loading");
  const [me, setMe] = useState<Me | null>(null);
  const [orgs, setOrgs] = useState<Org[]>([]);

  const refresh = useCallback(async () => {
    try {
      const user = await api.get<Me>("/api/user", { quiet401: true });
      setMe(user);
      setOrgs(await getAll<Org>("/api/orgs"));
    } catch (error) {
      if (!isSignedOut(error)) throw error;
      setMe(null);
      setOrgs([]);
    }
  }, []);

  const signOut = useCallback(async () => {
    try {
      await api.post("/api/auth/logout");
    } finally {
      setMe(null);
      setOrgs([]);
      navigate("/login");
    }
  }, []);

  useEffect(() => {
    (async () => {
      const setup = await api.get<{ has_users: boolean }>("/api/auth/setup");
      if (!setup.has_users) {
        setBoot("setup");
        return;
      }
      await refresh();
      setBoot("ready");
    })().catch(() => {
      setBoot("ready");
      toast.error("Cannot reach the server; reload the page to try again");
    });
  }, [refresh]);

  // A request that finds the session gone: back to sign-in, then back here.
  useEffect(() => {
    setSignedOutHandler(() => {
      setMe(null);
      if (!isPublic(window.location.pathname)) {
        const here = window.location.pathname + window.location.search;
        navigate(`/login?next=${encodeURIComponent(here)}&expired=1`, { replace: true });
      }
    });
    return () => setSignedOutHandler(null);
  }, []);

  const needsSignIn = boot === "ready" && me === null && !isPublic(location.path);
  useEffect(() => {
    if (boot === "setup" && location.path !== "/setup") navigate("/setup", { replace: true });
    else if (needsSignIn) {
      const here = location.path + (location.query.toString() ? `?${location.query}` : "");
      navigate(here === "/" ? "/login" : `/login?next=${encodeURIComponent(here)}`, { replace: true });
    }
  }, [boot, needsSignIn, location]);

  const session: Session = useMemo(() => ({ me, orgs, refresh, signOut }), [me, orgs, refresh, signOut]);
  const page = boot === "loading" || needsSignIn ? <Spinner /> : (pageFor(location) ?? <NotFound />);
  return (
    <SessionContext.Provider value={session}>
      <a class="pc-skip" href="#pc-main">
        Skip to content
      </a>
      <Header />
      <main id="pc-main" class="pc-main" tabIndex={-1}>
        {page}
      </main>
      <Toasts />
    </SessionContext.Provider>
  );
}
