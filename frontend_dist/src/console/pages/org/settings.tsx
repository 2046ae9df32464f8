/**
 * The settings tab: the org's display name and description (admins, `org.update`), handing ownership to
 * another member and deleting the org (owners; deleting asks to type the org's name).
 */
import { useState } from "preact/hooks";
import { api, getAll, seg } from "../../api";
import { useResource } from "../../hooks";
import { navigate } from "../../router";
import { useSession } from "../../session";
import type { Org } from "../../types";
import { Button, errorText } from "../../ui/button";
import { ConfirmDialog } from "../../ui/dialog";
import { Field, FormError, Input, Select } from "../../ui/form";
import { Section } from "../../ui/misc";
import { toast } from "../../ui/toast";
import { managesOwners } from "./logic";
import type { Member, OrgTabProps } from "./types";

export function SettingsTab({ org, setOrg }: OrgTabProps) {
  const { me } = useSession();
  const update = org.can.includes("org.update");
  const remove = org.can.includes("org.delete");
  if (!update && !remove) {
    return (
      <p class="pc-note" role="status">
        Only {org.name}'s admins can change its settings, and only its owners can delete it.
      </p>
    );
  }
  return (
    <>
      {update && <ProfileForm org={org} setOrg={setOrg} />}
      {managesOwners(org, me) && org.role === "owner" && <Transfer org={org} setOrg={setOrg} />}
      {remove && <DeleteOrg org={org} />}
    </>
  );
}

function ProfileForm({ org, setOrg }: OrgTabProps) {
  const { refresh } = useSession();
  const [displayName, setDisplayName] = useState(org.display_name);
  const [description, setDescription] = useState(org.description);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState("");
  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError("");
    try {
      setOrg(await api.patch<Org>(`/api/orgs/${seg(org.name)}`, { display_name: displayName, description }));
      await refresh(); // the header shows the display name
      toast.ok("The org's profile was saved");
    } catch (caught) {
      setError(errorText(caught));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Section title="Profile" id="pc-org-profile">
      <form class="pc-org-form" onSubmit={submit}>
        <FormError error={error} />
        <Field label="Display name" hint="Shown instead of the name; the name itself cannot change">
          <Input value={displayName} maxLength={100} onInput={(e) => setDisplayName(e.currentTarget.value)} />
        </Field>
        <Field label="Description" hint="Public: anyone can see it on the org's page">
          <textarea
            class="pc-input"
            rows={3}
            maxLength={500}
            value={description}
            onInput={(e) => setDescription(e.currentTarget.value)}
          />
        </Field>
        <Button type="submit" variant="primary" busy={busy}>
          Save profile
        </Button>
      </form>
    </Section>
  );
}

function Transfer({ org, setOrg }: OrgTabProps) {
  const { me } = useSession();
  const members = useResource(() => getAll<Member>(`/api/orgs/${seg(org.name)}/members`), org.name);
  const others = (members.data ?? []).filter((m) => m.username !== me?.username);
  const [to, setTo] = useState("");
  const [confirming, setConfirming] = useState(false);
  const target = to || others[0]?.username || "";
  return (
    <Section title="Transfer ownership" id="pc-org-transfer">
      <p class="pc-muted">
        Make another member an owner; you become an admin. Every org keeps at least one owner.
      </p>
      {others.length === 0 ? (
        <p class="pc-muted">There is no other member to hand the org to yet.</p>
      ) : (
        <div class="pc-row">
          <Field label="New owner">
            <Select value={target} options={others.map((m) => m.username)} onChange={setTo} />
          </Field>
          <Button onClick={() => setConfirming(true)}>Transfer…</Button>
        </div>
      )}
      <ConfirmDialog
        open={confirming}
        title={`Make ${target} an owner?`}
        message={<p>{target} becomes an owner of {org.name}, and you become an admin of it.</p>}
        confirmLabel="Transfer ownership"
        onConfirm={async () => {
          await api.post(`/api/orgs/${seg(org.name)}/transfer`, { username: target });
          setOrg(await api.get<Org>(`/api/orgs/${seg(org.name)}`));
          toast.ok(`${target} is now an owner of ${org.name}`);
        }}
        onClose={() => setConfirming(false)}
      />
    </Section>
  );
}

function DeleteOrg({ org }: { org: Org }) {
  const { refresh } = useSession();
  const [open, setOpen] = useState(false);
  return (
    <Section title="Delete this org" id="pc-org-delete">
      <p class="pc-muted">
        Deletes {org.name} with its Spaces, memberships, teams, invitations and secrets.
      </p>
      <Button variant="danger" onClick={() => setOpen(true)}>
        Delete org…
      </Button>
      <ConfirmDialog
        open={open}
        title={`Delete ${org.name}?`}
        message={<p>This cannot be undone: its Spaces, members, teams, invitations and secrets go with it.</p>}
        confirmLabel="Delete org"
        typeToConfirm={org.name}
        onConfirm={async () => {
          await api.del(`/api/orgs/${seg(org.name)}`);
          toast.ok(`${org.name} was deleted`);
          await refresh();
          navigate("/");
        }}
        onClose={() => setOpen(false)}
      />
    </Section>
  );
}
