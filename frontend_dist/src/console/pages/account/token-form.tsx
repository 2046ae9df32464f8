/**
 * Creating an API token: name, scopes, lifetime and an optional org limit; then its secret, shown this once,
 * with a copy button and the `podium login` command that stores it for the CLI.
 */
import type { JSX } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { api } from "../../api";
import { useSession } from "../../session";
import { Button, errorText } from "../../ui/button";
import { Field, FormError, Select } from "../../ui/form";
import { CodeLine } from "../../ui/misc";
import {
  DEFAULT_EXPIRY,
  DEFAULT_SCOPES,
  EXPIRY_CHOICES,
  SCOPES,
  loginCommand,
  toggleScope,
  tokenRequest,
  type ExpiryChoice,
  type NewToken,
  type Scope,
} from "./model";

export function TokenForm({ onCreated, onCancel }: { onCreated: (token: NewToken) => void; onCancel: () => void }) {
  const { orgs } = useSession();
  const [name, setName] = useState("");
  const [scopes, setScopes] = useState<Scope[]>([...DEFAULT_SCOPES]);
  const [expires, setExpires] = useState<ExpiryChoice>(DEFAULT_EXPIRY);
  const [org, setOrg] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState("");
  const nameRef = useRef<HTMLInputElement>(null);
  useEffect(() => nameRef.current?.focus(), []);

  const create = async (event: JSX.TargetedEvent<HTMLFormElement>) => {
    event.preventDefault();
    const request = tokenRequest({ name, scopes, expires, org });
    if ("error" in request) {
      setError(request.error);
      return;
    }
    setBusy(true);
    setError("");
    try {
      onCreated(await api.post<NewToken>("/api/user/tokens", request.body));
    } catch (caught) {
      setError(errorText(caught));
    } finally {
      setBusy(false);
    }
  };
  const orgChoices = [{ value: "", label: "No limit (every org you belong to)" }, ...orgs.map((o) => ({ value: o.name, label: o.display_name && o.display_name !== o.name ? `${o.display_name} (${o.name})` : o.name }))];
  return (
    <form class="pc-card pc-account-token-form" onSubmit={(e) => void create(e)} aria-labelledby="pc-token-form-title" noValidate>
      <h3 id="pc-token-form-title">New API token</h3>
      <Field label="Name" hint="What it is for, e.g. the machine that uses it.">
        <input ref={nameRef} class="pc-input" name="token_name" value={name} maxLength={100} autoComplete="off" required
          onInput={(e) => setName(e.currentTarget.value)} />
      </Field>
      <fieldset class="pc-account-scopes">
        <legend class="pc-label">Scopes</legend>
        <p class="pc-hint">Each includes the ones above it.</p>
        {SCOPES.map((scope) => (
          <label key={scope.id} class="pc-account-check">
            <input type="checkbox" name="scope" value={scope.id} checked={scopes.includes(scope.id)}
              onChange={(e) => setScopes(toggleScope(scopes, scope.id, e.currentTarget.checked))} />
            <span>
              <strong>{scope.label}</strong> <span class="pc-muted">{scope.hint}</span>
            </span>
          </label>
        ))}
      </fieldset>
      <div class="pc-account-form-row">
        <Field label="Expires after">
          <Select name="expires" value={expires} options={EXPIRY_CHOICES} onChange={setExpires} />
        </Field>
        {orgs.length > 0 && (
          <Field label="Limit to org">
            <Select name="org" value={org} options={orgChoices} onChange={setOrg} />
          </Field>
        )}
      </div>
      <FormError error={error} />
      <div class="pc-row">
        <Button type="submit" variant="primary" busy={busy}>
          Create token
        </Button>
        <Button onClick={onCancel}>Cancel</Button>
      </div>
    </form>
  );
}

/** The new token's secret, shown once, and how to use it with the CLI. */
export function CreatedToken({ token, onDone }: { token: NewToken; onDone: () => void }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => ref.current?.focus(), []);
  return (
    <div class="pc-card pc-account-created" ref={ref} tabIndex={-1} role="region" aria-labelledby="pc-token-created-title"
      data-testid="token-created">
      <h3 id="pc-token-created-title">Token “{token.name}” created</h3>
      <p class="pc-warning" role="alert">
        Copy it now: you won't see it again. Anyone who has it can act as you within its scopes.
      </p>
      <CodeLine text={token.token} label="Copy token" />
      <p>Sign in the CLI with it (paste the token when it waits for input):</p>
      <CodeLine text={loginCommand(window.location.origin)} label="Copy command" />
      <p class="pc-hint">
        Or send it with each API request: <code>Authorization: Bearer pdm_…</code>
      </p>
      <Button variant="primary" onClick={onDone}>
        Done
      </Button>
    </div>
  );
}
