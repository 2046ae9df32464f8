/**
 * The sign-up page (`/signup`): a new account, signed in at once, then on to `next` (home by default). While
 * sign-up is closed only an org invitation lets someone join: `?invitation=TOKEN` (the invitation page links
 * here with it) signs up and joins that org in one step.
 */
import { api } from "../../api";
import { useResource, useTitle } from "../../hooks";
import { Link, useRoute } from "../../router";
import { useSession } from "../../session";
import { Loaded } from "../../ui/misc";
import { AccountForm } from "./account-form";
import { continueAfterSignIn, withNext } from "./next";
import type { SetupState } from "./types";
import "./auth.css";

export function SignupPage() {
  useTitle("Create an account");
  const { me, refresh } = useSession();
  const { query } = useRoute();
  const next = query.get("next");
  const invitation = query.get("invitation");
  const setup = useResource(() => api.get<SetupState>("/api/auth/setup", { quiet401: true }), "setup");

  const created = async () => {
    await refresh();
    continueAfterSignIn(next);
  };

  return (
    <div class="pc-narrow pc-auth">
      <div class="pc-card pc-auth-card">
        <h1>Create an account</h1>
        {me && (
          <p class="pc-note">
            You are signed in as <strong>{me.username}</strong>; a new account signs you in as that one instead.
          </p>
        )}
        <Loaded resource={setup}>
          {(state) =>
            state.signup === "open" || invitation ? (
              <>
                {invitation && <p class="pc-note">Creating your account also accepts the invitation you opened.</p>}
                <AccountForm submitLabel="Create account" invitation={invitation} onCreated={created} />
              </>
            ) : (
              <p class="pc-warning" role="status" data-testid="signup-closed">
                Sign-up on this installation is by invitation only: ask an admin of your team's org for an
                invitation, then open its link.
              </p>
            )
          }
        </Loaded>
      </div>
      <p class="pc-auth-links">
        Have an account? <Link href={withNext("/login", next)}>Sign in</Link>
      </p>
    </div>
  );
}
