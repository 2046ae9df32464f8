/**
 * The linked-accounts tab: the upstream identities (GitHub, Google, OIDC) you can sign in with, unlinking one
 * (the API refuses to unlink your last way to sign in, and says why), and linking another: the API answers a
 * URL at the provider, where the browser goes; the provider sends it back here once linked.
 */
import { useCallback, useState } from "preact/hooks";
import { api, getAll, seg, withQuery } from "../../api";
import { useResource } from "../../hooks";
import { useSession } from "../../session";
import { Button, errorText } from "../../ui/button";
import { ConfirmDialog } from "../../ui/dialog";
import { Empty, Loaded, Section, Time } from "../../ui/misc";
import { TableHead } from "../../ui/table-head";
import { toast } from "../../ui/toast";
import { providerLabel, unlinkedProviders, type Identity, type Provider } from "./model";

interface Linked {
  identities: Identity[];
  providers: Provider[];
}

async function loadLinked(): Promise<Linked> {
  const [identities, providers] = await Promise.all([
    getAll<Identity>("/api/user/identities"),
    api.get<Provider[]>("/api/auth/providers"),
  ]);
  return { identities, providers };
}

function LinkButton({ provider }: { provider: Provider }) {
  const [busy, setBusy] = useState(false);
  const link = async () => {
    setBusy(true);
    try {
      const path = withQuery(`/api/user/identities/${seg(provider.name)}/link`, { next: "/account/identities" });
      const { url } = await api.post<{ url: string }>(path);
      window.location.assign(url);
    } catch (error) {
      toast.error(errorText(error));
      setBusy(false);
    }
  };
  return (
    <Button onClick={() => void link()} busy={busy} data-provider={provider.name}>
      Link {provider.display_name || provider.name}
    </Button>
  );
}

function IdentityTable({ linked, onUnlink }: { linked: Linked; onUnlink: (identity: Identity) => void }) {
  return (
    <table class="pc-table" data-testid="identities">
      <TableHead columns={["Provider", "Email there", "Linked", "Last sign-in"]} />
      <tbody>
        {linked.identities.map((identity) => (
          <tr key={identity.id} data-provider={identity.provider}>
            <td data-label="Provider"><strong>{providerLabel(linked.providers, identity.provider)}</strong></td>
            <td data-label="Email there">{identity.email ?? <span class="pc-muted">none given</span>}</td>
            <td data-label="Linked"><Time iso={identity.created_at} /></td>
            <td data-label="Last sign-in"><Time iso={identity.last_login_at} /></td>
            <td class="pc-actions">
              <Button variant="ghost" onClick={() => onUnlink(identity)}>
                Unlink
              </Button>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function IdentitiesTab() {
  const { me } = useSession();
  const resource = useResource(loadLinked, "identities");
  const [unlinking, setUnlinking] = useState<Identity | null>(null);
  const unlink = useCallback(async () => {
    if (!unlinking) return;
    await api.del(`/api/user/identities/${unlinking.id}`);
    toast.ok("Unlinked");
    await resource.reload();
  }, [unlinking, resource.reload]);

  return (
    <Loaded resource={resource}>
      {(linked) => {
        const available = unlinkedProviders(linked.providers, linked.identities);
        return (
          <>
            <Section title="Linked accounts" id="pc-account-identities">
              <p class="pc-muted">
                Accounts at other services you can sign in with.
                {me?.has_password ? " You can also sign in with your password." : " You have no password; set one on the Profile tab to sign in without them."}
              </p>
              {linked.identities.length ? (
                <IdentityTable linked={linked} onUnlink={setUnlinking} />
              ) : (
                <Empty title="No linked accounts">
                  <p>You sign in with your username and password.</p>
                </Empty>
              )}
            </Section>
            <Section title="Link another account" id="pc-account-link">
              {linked.providers.length === 0 ? (
                <Empty title="No sign-in providers">
                  <p>This installation offers no other way to sign in; its operator can add providers (OIDC).</p>
                </Empty>
              ) : available.length === 0 ? (
                <p class="pc-muted">Every provider this installation offers is linked already.</p>
              ) : (
                <div class="pc-row" data-testid="link-buttons">
                  {available.map((provider) => (
                    <LinkButton key={provider.name} provider={provider} />
                  ))}
                </div>
              )}
            </Section>
            <ConfirmDialog
              open={unlinking !== null}
              title="Unlink this account?"
              message={
                unlinking && (
                  <p>
                    You will no longer be able to sign in with{" "}
                    <strong>{providerLabel(linked.providers, unlinking.provider)}</strong>
                    {unlinking.email ? ` (${unlinking.email})` : ""}. You can link it again later.
                  </p>
                )
              }
              confirmLabel="Unlink"
              onConfirm={unlink}
              onClose={() => setUnlinking(null)}
            />
          </>
        );
      }}
    </Loaded>
  );
}
