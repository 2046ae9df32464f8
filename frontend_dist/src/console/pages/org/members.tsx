/**
 * The members tab: who is in the org with which role (polled, so someone who accepts an invitation appears),
 * a role picker and Remove for those the caller may manage, and Leave on the caller's own row. The API keeps
 * the "last owner" rules; its message shows above the table.
 */
import { useState } from "preact/hooks";
import { api, getAll, seg } from "../../api";
import { POLL_MS, useResource } from "../../hooks";
import { Link, navigate } from "../../router";
import { useSession } from "../../session";
import type { Org, Role } from "../../types";
import { RoleBadge } from "../../ui/badge";
import { Button, errorText } from "../../ui/button";
import { ConfirmDialog } from "../../ui/dialog";
import { FormError, Select } from "../../ui/form";
import { Empty, Loaded, Section, Time } from "../../ui/misc";
import { TableHead } from "../../ui/table-head";
import { toast } from "../../ui/toast";
import { managesOwners, mayChangeRole, mayRemove, roleChoices } from "./logic";
import type { Member, OrgTabProps } from "./types";

export function MembersTab({ org }: OrgTabProps) {
  const { me, refresh } = useSession();
  const path = `/api/orgs/${seg(org.name)}/members`;
  const members = useResource(() => getAll<Member>(path), org.name, { poll: POLL_MS });
  const [error, setError] = useState("");
  const [removing, setRemoving] = useState<Member | null>(null);
  const [leaving, setLeaving] = useState(false);
  const ownersToo = managesOwners(org, me);

  const setRole = async (member: Member, role: Role): Promise<void> => {
    setError("");
    try {
      await api.patch(`${path}/${seg(member.username)}`, { role });
      toast.ok(`${member.username} is now ${role === "admin" || role === "owner" ? "an" : "a"} ${role}`);
    } catch (caught) {
      setError(errorText(caught));
    }
    await members.reload();
  };

  return (
    <Section
      title="Members"
      id="pc-org-members"
      actions={
        org.can.includes("org.members.invite") && (
          <Link class="pc-button pc-button-primary" href={`/orgs/${seg(org.name)}/invitations`}>
            Invite someone
          </Link>
        )
      }
    >
      <FormError error={error} />
      <Loaded resource={members}>
        {(list) =>
          list.length === 0 ? (
            <Empty title="No members" />
          ) : (
            <table class="pc-table" aria-label={`Members of ${org.name}`}>
              <TableHead columns={["Member", "Role", "Joined"]} />
              <tbody aria-live="polite">
                {list.map((member) => (
                  <MemberRow
                    key={member.username}
                    org={org}
                    member={member}
                    mine={member.username === me?.username}
                    ownersToo={ownersToo}
                    onRole={setRole}
                    onRemove={() => setRemoving(member)}
                    onLeave={() => setLeaving(true)}
                  />
                ))}
              </tbody>
            </table>
          )
        }
      </Loaded>
      <ConfirmDialog
        open={removing !== null}
        title={`Remove ${removing?.username ?? ""}?`}
        message={
          <p>
            <strong>{removing?.username}</strong> loses access to {org.name}'s Spaces that are not public, and leaves
            its teams. You can invite them again later.
          </p>
        }
        confirmLabel="Remove member"
        onConfirm={async () => {
          if (!removing) return;
          await api.del(`${path}/${seg(removing.username)}`);
          toast.ok(`${removing.username} was removed from ${org.name}`);
          await members.reload();
        }}
        onClose={() => setRemoving(null)}
      />
      <ConfirmDialog
        open={leaving}
        title={`Leave ${org.name}?`}
        message={<p>You lose access to {org.name}'s Spaces that are not public. Only an invitation brings you back.</p>}
        confirmLabel="Leave org"
        onConfirm={async () => {
          if (!me) return;
          await api.del(`${path}/${seg(me.username)}`);
          toast.ok(`You left ${org.name}`);
          await refresh();
          navigate("/");
        }}
        onClose={() => setLeaving(false)}
      />
    </Section>
  );
}

interface RowProps {
  org: Org;
  member: Member;
  mine: boolean;
  ownersToo: boolean;
  onRole: (member: Member, role: Role) => Promise<void>;
  onRemove: () => void;
  onLeave: () => void;
}

function MemberRow({ org, member, mine, ownersToo, onRole, onRemove, onLeave }: RowProps) {
  const [busy, setBusy] = useState(false);
  const picker = mayChangeRole(org, member, ownersToo);
  return (
    <tr data-member={member.username}>
      <td data-label="Member">
        <span class="pc-org-person">
          <strong>{member.display_name || member.username}</strong>
          <span class="pc-muted pc-mono">{member.username}</span>
          {mine && <span class="pc-muted">(you)</span>}
        </span>
      </td>
      <td data-label="Role">
        {picker ? (
          <Select
            aria-label={`Role of ${member.username}`}
            value={member.role}
            options={roleChoices(ownersToo)}
            disabled={busy}
            onChange={async (role) => {
              setBusy(true);
              await onRole(member, role);
              setBusy(false);
            }}
          />
        ) : (
          <RoleBadge role={member.role} />
        )}
      </td>
      <td data-label="Joined">
        <Time iso={member.joined} />
      </td>
      <td class="pc-actions">
        {mine ? (
          <Button variant="ghost" onClick={onLeave}>
            Leave org
          </Button>
        ) : (
          mayRemove(org, member, ownersToo, undefined) && (
            <Button variant="ghost" onClick={onRemove} aria-label={`Remove ${member.username}`}>
              Remove
            </Button>
          )
        )}
      </td>
    </tr>
  );
}
