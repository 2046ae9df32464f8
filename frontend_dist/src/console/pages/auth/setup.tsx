/**
 * The first-run page (`/setup`): an installation without users creates its site admin here (the first account
 * that signs up becomes site admin, `POST /api/auth/signup`). Once a user exists it only sends people to sign in.
 */
import { useEffect } from "preact/hooks";
import { api } from "../../api";
import { useResource, useTitle } from "../../hooks";
import { navigate } from "../../router";
import { Loaded, Spinner } from "../../ui/misc";
import { AccountForm } from "./account-form";
import type { SetupState } from "./types";
import "./auth.css";

export function SetupPage() {
  useTitle("Set up Podium");
  const setup = useResource(() => api.get<SetupState>("/api/auth/setup", { quiet401: true }), "setup");
  const done = setup.data?.has_users === true;
  useEffect(() => {
    if (done) navigate("/login", { replace: true });
  }, [done]);

  // A full load: the console starts again, now with a signed-in site admin, and shows home.
  const created = () => location.assign("/");

  return (
    <div class="pc-narrow pc-auth">
      <Loaded resource={setup}>
        {(state) =>
          state.has_users ? (
            <Spinner />
          ) : (
            <div class="pc-card pc-auth-card">
              <h1>Welcome to Podium</h1>
              <p>
                This installation has no accounts yet. Create the first one: it becomes the <strong>site
                administrator</strong>, who can see and manage every org and Space and set orgs' quotas. Then invite
                the rest of the team.
              </p>
              <p class="pc-muted">
                Everyone else signs up afterwards{state.signup === "closed" ? " with an org invitation (sign-up is closed)" : ""},
                or signs in with an identity provider if the server has one.
              </p>
              <AccountForm submitLabel="Create the admin account" onCreated={created} />
            </div>
          )
        }
      </Loaded>
    </div>
  );
}
