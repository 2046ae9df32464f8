/**
 * The invitations tab (admins): make an invitation link for a role, shown once with a copy button (the server
 * keeps only its digest), and the pending invitations with Revoke.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import { api, getAll, seg } from "../../api";
import { POLL_MS, useResource } from "../../hooks";
import { useSession } from "../../session";
import type { Role } from "../../types";
import { RoleBadge } from "../../ui/badge";
import { Button, errorText } from "../../ui/button";
import { ConfirmDialog } from "../../ui/dialog";
import { Field, FormError, Input, Select } from "../../ui/form";
import { CodeLine, Empty, Loaded, Section, Time } from "../../ui/misc";
import { TableHead } from "../../ui/table-head";
import { toast } from "../../ui/toast";
import { managesOwners, roleChoices } from "./logic";
import type { Invitation, InvitationCreated, OrgTabProps } from "./types";

const EXPIRY_DAYS = [
  { value: "1", label: "1 day" },
  { value: "7", label: "7 days" },
  { value: "14", label: "14 days" },
  { value: "30", label: "30 days" },
] as const;

export function InvitationsTab({ org }: OrgTabProps) {
  const path = `/api/orgs/${seg(org.name)}/invitations`;
  const pending = useResource(() => getAll<Invitation>(path), org.name, { poll: POLL_MS });
  const [created, setCreated] = useState<InvitationCreated | null>(null);
  const [revoking, setRevoking] = useState<Invitation | null>(null);
  const { me } = useSession();
  return (
    <>
      {created && <NewLink invitation={created} onDone={() => setCreated(null)} />}
      {org.can.includes("org.members.invite") && (
        <InviteForm
          path={path}
          org={org.name}
          ownersToo={managesOwners(org, me)}
          onCreated={async (invitation) => {
            setCreated(invitation);
            await pending.reload();
          }}
        />
      )}
      <Section title="Pending invitations" id="pc-org-pending">
        <Loaded resource={pending}>
          {(list) =>
            list.length === 0 ? (
              <Empty title="No pending invitations">
                <p>Invitations that were accepted, revoked or have expired are not listed.</p>
              </Empty>
            ) : (
              <table class="pc-table" aria-label="Pending invitations">
                <TableHead columns={["For", "Role", "Invited by", "Created", "Expires"]} />
                <tbody aria-live="polite">
                  {list.map((invitation) => (
                    <tr key={invitation.public_id} data-invitation={invitation.public_id}>
                      <td data-label="For">
                        {invitation.email ?? <span class="pc-muted">anyone with the link</span>}
                      </td>
                      <td data-label="Role">
                        <RoleBadge role={invitation.role} />
                      </td>
                      <td data-label="Invited by">{invitation.invited_by ?? <span class="pc-muted">—</span>}</td>
                      <td data-label="Created">
                        <Time iso={invitation.created_at} />
                      </td>
                      <td data-label="Expires">
                        <Time iso={invitation.expires_at} />
                      </td>
                      <td class="pc-actions">
                        <Button
                          variant="ghost"
                          aria-label={`Revoke the invitation for ${invitation.email ?? invitation.public_id}`}
                          onClick={() => setRevoking(invitation)}
                        >
                          Revoke
                        </Button>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )
          }
        </Loaded>
      </Section>
      <ConfirmDialog
        open={revoking !== null}
        title="Revoke this invitation?"
        message={
          <p>
            Its link stops working at once
            {revoking?.email ? (
              <>
                {" "}
                (it was for <strong>{revoking.email}</strong>)
              </>
            ) : null}
            . You can send a new invitation later.
          </p>
        }
        confirmLabel="Revoke invitation"
        onConfirm={async () => {
          if (!revoking) return;
          await api.del(`${path}/${seg(revoking.public_id)}`);
          toast.ok("The invitation was revoked");
          if (created?.public_id === revoking.public_id) setCreated(null);
          await pending.reload();
        }}
        onClose={() => setRevoking(null)}
      />
    </>
  );
}

interface FormProps {
  path: string;
  org: string;
  ownersToo: boolean;
  onCreated: (invitation: InvitationCreated) => Promise<void>;
}

function InviteForm({ path, org, ownersToo, onCreated }: FormProps) {
  const [email, setEmail] = useState("");
  const [role, setRole] = useState<Role>("write");
  const [days, setDays] = useState<string>("7");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState("");
  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError("");
    try {
      const body = { email: email.trim() || null, role, expires_in_days: Number(days) };
      const invitation = await api.post<InvitationCreated>(path, body);
      setEmail("");
      await onCreated(invitation);
    } catch (caught) {
      setError(errorText(caught));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Section title="Invite someone" id="pc-org-invite">
      <p class="pc-muted">
        Make a link that lets one person join {org} with a role. Whoever holds the link can use it, once; the email
        is only a note of who it is for.
      </p>
      <form class="pc-org-form" onSubmit={submit}>
        <FormError error={error} />
        <div class="pc-org-fields">
          <Field label="Email (optional)">
            <Input type="email" value={email} maxLength={320} autoComplete="off" onInput={(e) => setEmail(e.currentTarget.value)} />
          </Field>
          <Field label="Role">
            <Select name="role" value={role} options={roleChoices(ownersToo)} onChange={setRole} />
          </Field>
          <Field label="Expires after">
            <Select name="expires" value={days} options={EXPIRY_DAYS} onChange={setDays} />
          </Field>
        </div>
        <Button type="submit" variant="primary" busy={busy}>
          Create invitation link
        </Button>
      </form>
    </Section>
  );
}

function NewLink({ invitation, onDone }: { invitation: InvitationCreated; onDone: () => void }) {
  const ref = useRef<HTMLElement>(null);
  useEffect(() => ref.current?.focus(), [invitation.public_id]); // what to do next is here
  return (
    <section
      ref={ref}
      tabIndex={-1}
      class="pc-section pc-org-new-link"
      aria-labelledby="pc-org-new-link-title"
      data-testid="invitation-link"
    >
      <h2 id="pc-org-new-link-title">Invitation link</h2>
      <p class="pc-warning" role="status">
        Copy this link now and send it to {invitation.email ?? "the person you invite"}: it will not be shown again.
        It lets whoever opens it first join as <strong>{invitation.role}</strong>, until{" "}
        <time dateTime={invitation.expires_at}>{new Date(invitation.expires_at).toLocaleString()}</time>.
      </p>
      <CodeLine text={invitation.accept_url} label="Copy link" />
      <div class="pc-row">
        <Button onClick={onDone}>Done</Button>
      </div>
    </section>
  );
}
