/**
 * The sign-in page (`/login?next=/path`): username-or-email and password, one "Sign in with X" button per
 * identity provider, a link to sign up while sign-up is open. Afterwards (or at once, when already signed in)
 * the browser goes to `next`: a console page, or, by a full load, the API's Space sign-in or OIDC authorize step.
 */
import { useEffect, useState } from "preact/hooks";
import { api } from "../../api";
import { useResource, useTitle } from "../../hooks";
import { Link, useRoute } from "../../router";
import { useSession } from "../../session";
import type { Me } from "../../types";
import { Button, errorText } from "../../ui/button";
import { Field, FormError, Input } from "../../ui/form";
import { Spinner } from "../../ui/misc";
import { continueAfterSignIn, providerFailure, providerHref, spaceOf, withNext } from "./next";
import type { Provider, SetupState } from "./types";
import "./auth.css";

function Providers({ next }: { next: string | null }) {
  const providers = useResource(() => api.get<Provider[]>("/api/auth/providers", { quiet401: true }), "providers");
  if (!providers.data?.length) return null;
  return (
    <div class="pc-auth-providers">
      <p class="pc-auth-divider">
        <span>or</span>
      </p>
      {providers.data.map((provider) => (
        <a key={provider.name} class="pc-button pc-button-secondary pc-auth-provider" href={providerHref(provider.login_url, next)}>
          Sign in with {provider.display_name}
        </a>
      ))}
    </div>
  );
}

function PasswordForm({ onSignedIn }: { onSignedIn: () => Promise<void> }) {
  const [login, setLogin] = useState("");
  const [password, setPassword] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState("");

  const submit = async (event: Event) => {
    event.preventDefault();
    if (busy) return;
    setBusy(true);
    setError("");
    try {
      await api.post<Me>("/api/auth/login", { login: login.trim(), password }, { quiet401: true });
      await onSignedIn();
    } catch (caught) {
      setError(errorText(caught));
      setBusy(false);
    }
  };

  return (
    <form class="pc-auth-form" onSubmit={(event) => void submit(event)} aria-busy={busy || undefined}>
      <FormError error={error} />
      <Field label="Username or email">
        <Input
          name="login"
          value={login}
          onInput={(e) => setLogin(e.currentTarget.value)}
          autoComplete="username"
          autoCapitalize="none"
          spellcheck={false}
          required
        />
      </Field>
      <Field label="Password">
        <Input
          name="password"
          type="password"
          value={password}
          onInput={(e) => setPassword(e.currentTarget.value)}
          autoComplete="current-password"
          required
        />
      </Field>
      <Button type="submit" variant="primary" busy={busy} class="pc-auth-submit">
        Sign in
      </Button>
    </form>
  );
}

export function LoginPage() {
  useTitle("Sign in");
  const { me, refresh } = useSession();
  const { query } = useRoute();
  const next = query.get("next");
  const expired = query.get("expired") === "1";
  const space = spaceOf(next);
  const setup = useResource(() => api.get<SetupState>("/api/auth/setup", { quiet401: true }), "setup");

  const failure = providerFailure(query.get("error"), query.get("provider"));

  // Signed in (already, or just now through the form): on to `next` (a failed link waits to be read first).
  useEffect(() => {
    if (me && !failure) continueAfterSignIn(next);
  }, [me, next, failure]);

  if (me && failure) {
    return (
      <div class="pc-narrow pc-auth">
        <div class="pc-card pc-auth-card">
          <h1>Not linked</h1>
          <p class="pc-error pc-form-error" role="alert">
            {failure}
          </p>
          <Link href="/account/identities">Back to your linked accounts</Link>
        </div>
      </div>
    );
  }
  if (me) return <Spinner label="Signing in" />;
  return (
    <div class="pc-narrow pc-auth">
      <div class="pc-card pc-auth-card">
        <h1>Sign in</h1>
        {expired && (
          <p class="pc-warning" role="status">
            Your session has ended; sign in again.
          </p>
        )}
        {failure && (
          <p class="pc-error pc-form-error" role="alert">
            {failure}
          </p>
        )}
        {space && (
          <p class="pc-note">
            Sign in to open the Space <strong class="pc-mono">{space}</strong>.
          </p>
        )}
        <PasswordForm onSignedIn={refresh} />
        <Providers next={next} />
      </div>
      {setup.data?.signup === "open" && (
        <p class="pc-auth-links">
          No account yet? <Link href={withNext("/signup", next)}>Create one</Link>
        </p>
      )}
    </div>
  );
}
