/**
 * The new-account form of the sign-up and first-run pages: username, email and password, sent to
 * `POST /api/auth/signup` (which signs the browser in). The API's rules are the ones that count; its message is
 * shown as it is (a taken name, a weak password, sign-up closed).
 */
import { useState } from "preact/hooks";
import { api } from "../../api";
import type { Me } from "../../types";
import { Button, errorText } from "../../ui/button";
import { Field, FormError, Input } from "../../ui/form";

interface AccountFormProps {
  submitLabel: string;
  /** An org invitation's token: joining that org is part of signing up (allowed also when sign-up is closed). */
  invitation?: string | null;
  /** Called with the new, signed-in account. */
  onCreated: (me: Me) => Promise<void> | void;
}

export function AccountForm({ submitLabel, invitation, onCreated }: AccountFormProps) {
  const [username, setUsername] = useState("");
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState("");

  const submit = async (event: Event) => {
    event.preventDefault();
    if (busy) return;
    setBusy(true);
    setError("");
    try {
      const body = { username: username.trim(), email: email.trim(), password, ...(invitation ? { invitation } : {}) };
      const me = await api.post<Me>("/api/auth/signup", body, { quiet401: true });
      await onCreated(me);
    } catch (caught) {
      setError(errorText(caught));
      setBusy(false);
    }
  };

  return (
    <form class="pc-auth-form" onSubmit={(event) => void submit(event)} aria-busy={busy || undefined}>
      <FormError error={error} />
      <Field label="Username" hint="Lower-case letters, digits and single hyphens, up to 39; your Spaces live under it">
        <Input
          name="username"
          value={username}
          onInput={(e) => setUsername(e.currentTarget.value)}
          autoComplete="username"
          autoCapitalize="none"
          spellcheck={false}
          maxLength={39}
          required
        />
      </Field>
      <Field label="Email">
        <Input name="email" type="email" value={email} onInput={(e) => setEmail(e.currentTarget.value)} autoComplete="email" required />
      </Field>
      <Field label="Password" hint="At least 10 characters, not your username or email; a few unrelated words work well">
        <Input
          name="password"
          type="password"
          value={password}
          onInput={(e) => setPassword(e.currentTarget.value)}
          autoComplete="new-password"
          required
        />
      </Field>
      <Button type="submit" variant="primary" busy={busy} class="pc-auth-submit">
        {submitLabel}
      </Button>
    </form>
  );
}
