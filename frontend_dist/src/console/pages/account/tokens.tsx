/** The API-tokens tab: your tokens (never their secrets), revoking one, and creating one (`token-form.tsx`). */
import { useCallback, useState } from "preact/hooks";
import { api, getAll, seg } from "../../api";
import { POLL_MS, useResource } from "../../hooks";
import { Button } from "../../ui/button";
import { ConfirmDialog } from "../../ui/dialog";
import { Empty, Loaded, Section, Time } from "../../ui/misc";
import { TableHead } from "../../ui/table-head";
import { toast } from "../../ui/toast";
import { sortScopes, tokenStatus, type NewToken, type Token } from "./model";
import { CreatedToken, TokenForm } from "./token-form";

const loadTokens = () => getAll<Token>("/api/user/tokens");

function TokenRow({ token, onRevoke }: { token: Token; onRevoke: (token: Token) => void }) {
  const status = tokenStatus(token);
  return (
    <tr data-token={token.public_id} class={status === "active" ? undefined : "pc-account-inactive"}>
      <td data-label="Name">
        <strong class="pc-account-token-name">{token.name}</strong>
        <div class="pc-mono pc-muted pc-account-small">{token.prefix}…</div>
      </td>
      <td data-label="Scopes">
        <span class="pc-account-scope-list">
          {sortScopes(token.scopes).map((scope) => (
            <span key={scope} class={`pc-badge pc-account-scope-${scope}`}>{scope}</span>
          ))}
        </span>
      </td>
      <td data-label="Org">{token.org ?? <span class="pc-muted">any</span>}</td>
      <td data-label="Created"><Time iso={token.created_at} /></td>
      <td data-label="Last used"><Time iso={token.last_used_at} /></td>
      <td data-label={status === "revoked" ? "Revoked" : status === "expired" ? "Expired" : "Expires"}>
        {status === "revoked" ? (
          <span class="pc-badge pc-account-status-revoked">revoked <Time iso={token.revoked_at} /></span>
        ) : status === "expired" ? (
          <span class="pc-badge pc-account-status-expired">expired <Time iso={token.expires_at} /></span>
        ) : (
          <Time iso={token.expires_at} />
        )}
      </td>
      <td class="pc-actions">
        {status === "active" && (
          <Button variant="ghost" onClick={() => onRevoke(token)} aria-label={`Revoke ${token.name}`}>
            Revoke
          </Button>
        )}
      </td>
    </tr>
  );
}

function TokenTable({ tokens, onRevoke }: { tokens: Token[]; onRevoke: (token: Token) => void }) {
  return (
    <table class="pc-table" data-testid="tokens">
      <TableHead columns={["Name", "Scopes", "Org", "Created", "Last used", "Expires"]} />
      <tbody>
        {tokens.map((token) => (
          <TokenRow key={token.public_id} token={token} onRevoke={onRevoke} />
        ))}
      </tbody>
    </table>
  );
}

export function TokensTab() {
  const resource = useResource(loadTokens, "tokens", { poll: POLL_MS });
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<NewToken | null>(null);
  const [showInactive, setShowInactive] = useState(false);
  const [revoking, setRevoking] = useState<Token | null>(null);

  const revoke = useCallback(async () => {
    if (!revoking) return;
    await api.del(`/api/user/tokens/${seg(revoking.public_id)}`);
    toast.ok(`Token “${revoking.name}” revoked`);
    await resource.reload();
  }, [revoking, resource.reload]);

  const onCreated = (token: NewToken) => {
    setCreating(false);
    setCreated(token);
    void resource.reload();
  };
  return (
    <Section
      title="API tokens"
      id="pc-account-tokens"
      actions={!creating && !created && <Button variant="primary" onClick={() => setCreating(true)}>New token</Button>}
    >
      <p class="pc-muted">
        Tokens let the <code>podium</code> CLI, the SDK and scripts act as you, within their scopes. Revoke one as soon
        as it may have leaked.
      </p>
      {creating && <TokenForm onCreated={onCreated} onCancel={() => setCreating(false)} />}
      {created && <CreatedToken token={created} onDone={() => setCreated(null)} />}
      <Loaded resource={resource}>
        {(tokens) => {
          const active = tokens.filter((t) => tokenStatus(t) === "active");
          const inactive = tokens.length - active.length;
          const shown = showInactive ? tokens : active;
          return (
            <>
              {shown.length ? (
                <TokenTable tokens={shown} onRevoke={setRevoking} />
              ) : (
                <Empty title="No active tokens">
                  <p>Create one to sign in the CLI: <code>podium login</code> asks for it.</p>
                </Empty>
              )}
              {inactive > 0 && (
                <label class="pc-account-check pc-account-toggle">
                  <input type="checkbox" checked={showInactive} onChange={(e) => setShowInactive(e.currentTarget.checked)} />
                  <span>Show revoked and expired tokens ({inactive})</span>
                </label>
              )}
            </>
          );
        }}
      </Loaded>
      <ConfirmDialog
        open={revoking !== null}
        title="Revoke this token?"
        message={
          revoking && (
            <p>
              Whatever uses <strong>{revoking.name}</strong> ({revoking.prefix}…) stops working at once. This cannot be
              undone.
            </p>
          )
        }
        confirmLabel="Revoke token"
        onConfirm={revoke}
        onClose={() => setRevoking(null)}
      />
    </Section>
  );
}
