/**
 * The Space's share links (writers; docs/design/space-share-links.md): a link lets whoever holds it use the
 * Space without signing in until it expires or is revoked. A new link's URL holds its secret and is shown once,
 * with a copy button; the list shows each link's status and use; revoking asks first.
 */
import { useState } from "preact/hooks";
import { api, seg } from "../../api";
import { POLL_MS } from "../../hooks";
import type { Space } from "../../types";
import { Button, errorText } from "../../ui/button";
import { ConfirmDialog } from "../../ui/dialog";
import { Field, FormError, Input, Select } from "../../ui/form";
import { CodeLine, Empty, Section, Time } from "../../ui/misc";
import { TableHead } from "../../ui/table-head";
import { toast } from "../../ui/toast";
import { DEFAULT_LIFETIME, LIFETIMES } from "./links";
import { usePaged } from "./paged";
import { PagedList } from "./paged-list";
import { spaceApi, type NewShareLink, type ShareLink } from "./types";
import { UseCount } from "./use-count";

function CreateForm({ path, onCreated }: { path: string; onCreated: (link: NewShareLink) => void }) {
  const [label, setLabel] = useState("");
  const [lifetime, setLifetime] = useState(DEFAULT_LIFETIME);
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError("");
    try {
      onCreated(await api.post<NewShareLink>(path, { label: label.trim(), lifetime_s: Number(lifetime) }));
      setLabel("");
    } catch (caught) {
      setError(errorText(caught));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="pc-share-create" onSubmit={submit} noValidate>
      <FormError error={error} />
      <div class="pc-env-add-fields">
        <Field label="Label">
          <Input
            value={label}
            maxLength={200}
            placeholder="Who it is for"
            onInput={(e) => setLabel(e.currentTarget.value)}
          />
        </Field>
        <Field label="Works for">
          <Select value={lifetime} options={LIFETIMES} onChange={setLifetime} />
        </Field>
        <Button type="submit" variant="primary" busy={busy}>
          Create share link
        </Button>
      </div>
    </form>
  );
}

function Created({ link, onDone }: { link: NewShareLink; onDone: () => void }) {
  return (
    <div class="pc-note pc-share-new" role="status" data-testid="new-share-link">
      <p>
        <strong>Copy this link now: it is shown only once.</strong> Whoever holds it can use the Space without
        signing in until <Time iso={link.expires_at} />.
      </p>
      <CodeLine text={link.url} label="Copy link" />
      <Button onClick={onDone}>Done</Button>
    </div>
  );
}

export function ShareLinksSection({ space }: { space: Space }) {
  const path = `${spaceApi(space.owner, space.name)}/share-links`;
  const links = usePaged<ShareLink>(path, POLL_MS);
  const [created, setCreated] = useState<NewShareLink | null>(null);
  const [revoking, setRevoking] = useState<ShareLink | null>(null);

  const revoke = async (link: ShareLink) => {
    await api.del(`${path}/${seg(link.id)}`);
    toast.ok("Share link revoked");
    await links.reset();
  };

  return (
    <Section title="Share links" id="pc-space-share-links">
      <p class="pc-muted">
        A share link lets anyone who holds it use this Space without an account, until it expires or you revoke it.
      </p>
      {created ? (
        <Created link={created} onDone={() => setCreated(null)} />
      ) : (
        <CreateForm
          path={path}
          onCreated={(link) => {
            setCreated(link);
            void links.reset();
          }}
        />
      )}
      <PagedList list={links} empty={<Empty title="No share links" />}>
        {(items) => (
          <table class="pc-table" data-testid="share-links">
            <TableHead columns={["Label", "Status", "Created", "Expires", "Used"]} />
            <tbody>
              {items.map((link) => (
                <tr key={link.id} data-id={link.id}>
                  <td data-label="Label">
                    {link.label || <span class="pc-muted">(no label)</span>}
                    <span class="pc-muted pc-mono pc-revision-meta">{link.id}</span>
                  </td>
                  <td data-label="Status">
                    <span class={`pc-badge pc-share-${link.status}`} data-status={link.status}>
                      {link.status}
                    </span>
                  </td>
                  <td data-label="Created">
                    <Time iso={link.created_at} />
                    {link.created_by && <span class="pc-muted"> by {link.created_by}</span>}
                  </td>
                  <td data-label="Expires">
                    <Time iso={link.expires_at} />
                  </td>
                  <td data-label="Used">
                    <UseCount count={link.use_count} last={link.last_used_at} />
                  </td>
                  <td class="pc-actions">
                    {link.status === "active" && (
                      <Button variant="ghost" onClick={() => setRevoking(link)} aria-label={`Revoke share link ${link.label || link.id}`}>
                        Revoke
                      </Button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </PagedList>
      <ConfirmDialog
        open={revoking !== null}
        title="Revoke this share link?"
        message={<p>Whoever opened it loses access to the Space within seconds, and the link stops working.</p>}
        confirmLabel="Revoke"
        onConfirm={() => revoke(revoking as ShareLink)}
        onClose={() => setRevoking(null)}
      />
    </Section>
  );
}
