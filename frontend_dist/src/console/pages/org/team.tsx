/**
 * One team: its description, its members (add by username, remove) and its grants (a Space of the org, or `*`
 * for all of them, and a role: add, change, remove). Admins get the controls (`org.teams.manage`); members read.
 * The API has no team rename: a team keeps its name, its description can change.
 */
import { useState } from "preact/hooks";
import { api, getAll, seg, withQuery } from "../../api";
import { useResource, useTitle } from "../../hooks";
import { Link, navigate } from "../../router";
import type { Org, Role, Space } from "../../types";
import { RoleBadge } from "../../ui/badge";
import { Button, errorText, useAction } from "../../ui/button";
import { ConfirmDialog } from "../../ui/dialog";
import { Field, FormError, Input, Select } from "../../ui/form";
import { Empty, Loaded, Section, Time } from "../../ui/misc";
import { TableHead } from "../../ui/table-head";
import { toast } from "../../ui/toast";
import { grantLabel, grantSpaceProblem, roleChoices, teamHref } from "./logic";
import type { Grant, Member, TeamDetail } from "./types";

const GRANT_ROLES = roleChoices(false);

export function TeamView({ org, name }: { org: Org; name: string }) {
  const path = `/api/orgs/${seg(org.name)}/teams/${seg(name)}`;
  const team = useResource(() => api.get<TeamDetail>(path), path);
  const manage = org.can.includes("org.teams.manage");
  useTitle(`${org.name}/${name}`);
  return (
    <>
      <p>
        <Link href={teamHref(org.name)}>← All teams</Link>
      </p>
      <Loaded resource={team} what="team">
        {(detail) => (
          <>
            <TeamHeader org={org} path={path} team={detail} manage={manage} onChange={team.reload} />
            <TeamMembers org={org} path={path} team={detail} manage={manage} onChange={team.reload} />
            <TeamGrants org={org} path={path} team={detail} manage={manage} onChange={team.reload} />
          </>
        )}
      </Loaded>
    </>
  );
}

interface PartProps {
  org: Org;
  path: string;
  team: TeamDetail;
  manage: boolean;
  onChange: () => Promise<void>;
}

function TeamHeader({ org, path, team, manage, onChange }: PartProps) {
  const [editing, setEditing] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const [description, setDescription] = useState(team.description);
  const [save, saving] = useAction(async () => {
    await api.patch(path, { description });
    setEditing(false);
    await onChange();
  }, "The description was saved");
  return (
    <Section
      title={`Team ${team.name}`}
      id="pc-org-team"
      actions={
        manage && (
          <>
            {!editing && (
              <Button
                onClick={() => {
                  setDescription(team.description);
                  setEditing(true);
                }}
              >
                Edit description
              </Button>
            )}
            <Button variant="danger" onClick={() => setDeleting(true)}>
              Delete team
            </Button>
          </>
        )
      }
    >
      {editing ? (
        <form
          class="pc-org-form"
          onSubmit={(event) => {
            event.preventDefault();
            void save();
          }}
        >
          <Field label="Description">
            <Input value={description} maxLength={500} onInput={(e) => setDescription(e.currentTarget.value)} />
          </Field>
          <div class="pc-row">
            <Button type="submit" variant="primary" busy={saving}>
              Save
            </Button>
            <Button onClick={() => setEditing(false)}>Cancel</Button>
          </div>
        </form>
      ) : (
        <p class={team.description ? "" : "pc-muted"}>{team.description || "No description"}</p>
      )}
      <p class="pc-muted">
        Created <Time iso={team.created_at} />
      </p>
      <ConfirmDialog
        open={deleting}
        title={`Delete team ${team.name}?`}
        message={<p>Its members stay in {org.name}, but lose the roles this team granted them.</p>}
        confirmLabel="Delete team"
        typeToConfirm={team.name}
        onConfirm={async () => {
          await api.del(path);
          toast.ok(`Team ${team.name} was deleted`);
          navigate(teamHref(org.name));
        }}
        onClose={() => setDeleting(false)}
      />
    </Section>
  );
}

function TeamMembers({ org, path, team, manage, onChange }: PartProps) {
  const [username, setUsername] = useState("");
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  // The org's members, offered as suggestions for the username field.
  const members = useResource(
    () => (manage ? getAll<Member>(`/api/orgs/${seg(org.name)}/members`) : Promise.resolve([])),
    `${org.name}:${manage}`,
  );
  const [remove, removing] = useAction(async (who: string) => {
    await api.del(`${path}/members/${seg(who)}`);
    await onChange();
  });
  const add = async (event: Event) => {
    event.preventDefault();
    const who = username.trim();
    if (!who) return setError("Name an org member to add");
    setBusy(true);
    setError("");
    try {
      await api.put(`${path}/members/${seg(who)}`);
      setUsername("");
      toast.ok(`${who} was added to ${team.name}`);
      await onChange();
    } catch (caught) {
      setError(errorText(caught));
    } finally {
      setBusy(false);
    }
  };
  const inTeam = new Set(team.members.map((m) => m.username));
  return (
    <Section title="Team members" id="pc-org-team-members">
      {team.members.length === 0 ? (
        <Empty title="No members in this team yet" />
      ) : (
        <table class="pc-table" aria-label={`Members of team ${team.name}`}>
          <TableHead columns={["Member", "Added"]} actions={manage} />
          <tbody>
            {team.members.map((member) => (
              <tr key={member.username} data-team-member={member.username}>
                <td data-label="Member">
                  <span class="pc-org-person">
                    <strong>{member.display_name || member.username}</strong>
                    <span class="pc-muted pc-mono">{member.username}</span>
                  </span>
                </td>
                <td data-label="Added">
                  <Time iso={member.added} />
                </td>
                {manage && (
                  <td class="pc-actions">
                    <Button
                      variant="ghost"
                      busy={removing}
                      aria-label={`Remove ${member.username} from the team`}
                      onClick={() => void remove(member.username)}
                    >
                      Remove
                    </Button>
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {manage && (
        <form class="pc-org-form pc-org-inline" onSubmit={add}>
          <FormError error={error} />
          <div class="pc-org-fields">
            <Field label="Add a member" hint="The username of a member of the org">
              <Input value={username} list="pc-org-member-names" autoComplete="off" maxLength={64} onInput={(e) => setUsername(e.currentTarget.value)} />
            </Field>
            <datalist id="pc-org-member-names">
              {(members.data ?? [])
                .filter((m) => !inTeam.has(m.username))
                .map((m) => (
                  <option key={m.username} value={m.username}>
                    {m.display_name}
                  </option>
                ))}
            </datalist>
          </div>
          <Button type="submit" busy={busy}>
            Add to team
          </Button>
        </form>
      )}
    </Section>
  );
}

function TeamGrants({ org, path, team, manage, onChange }: PartProps) {
  const [space, setSpace] = useState("");
  const [role, setRole] = useState<Role>("write");
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  const [removing, setRemoving] = useState<Grant | null>(null);
  const spaces = useResource(
    () => (manage ? getAll<Space>(withQuery("/api/spaces", { owner: org.name })) : Promise.resolve([])),
    `${org.name}:${manage}`,
  );
  const grant = async (key: string, to: Role): Promise<boolean> => {
    setError("");
    try {
      await api.put(`${path}/grants/${seg(key)}`, { role: to });
      toast.ok(`${team.name} has ${to} on ${grantLabel(key)}`);
      return true;
    } catch (caught) {
      setError(errorText(caught));
      return false;
    } finally {
      await onChange();
    }
  };
  const add = async (event: Event) => {
    event.preventDefault();
    const key = space.trim();
    const problem = grantSpaceProblem(key);
    if (problem) return setError(problem);
    setBusy(true);
    if (await grant(key, role)) setSpace("");
    setBusy(false);
  };
  return (
    <Section title="Grants" id="pc-org-team-grants">
      <p class="pc-muted">The role this team's members get on a Space of {org.name}, or on every Space (*).</p>
      <FormError error={error} />
      {team.grants.length === 0 ? (
        <Empty title="No grants yet" />
      ) : (
        <table class="pc-table" aria-label={`Grants of team ${team.name}`}>
          <TableHead columns={["Space", "Role"]} actions={manage} />
          <tbody>
            {team.grants.map((g) => (
              <tr key={g.space} data-grant={g.space}>
                <td data-label="Space">
                  {g.space === "*" ? (
                    <span>{grantLabel(g.space)}</span>
                  ) : (
                    <Link href={`/spaces/${seg(org.name)}/${seg(g.space)}`}>{g.space}</Link>
                  )}
                </td>
                <td data-label="Role">
                  {manage ? (
                    <Select
                      aria-label={`Role on ${grantLabel(g.space)}`}
                      value={g.role}
                      options={GRANT_ROLES}
                      onChange={(to) => void grant(g.space, to)}
                    />
                  ) : (
                    <RoleBadge role={g.role} />
                  )}
                </td>
                {manage && (
                  <td class="pc-actions">
                    <Button variant="ghost" aria-label={`Remove the grant on ${grantLabel(g.space)}`} onClick={() => setRemoving(g)}>
                      Remove
                    </Button>
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {manage && (
        <form class="pc-org-form pc-org-inline" onSubmit={add}>
          <div class="pc-org-fields">
            <Field label="Space" hint="A Space name of the org, or * for every Space">
              <Input value={space} list="pc-org-space-names" autoComplete="off" maxLength={96} onInput={(e) => setSpace(e.currentTarget.value)} />
            </Field>
            <datalist id="pc-org-space-names">
              <option value="*">every Space</option>
              {(spaces.data ?? []).map((s) => (
                <option key={s.name} value={s.name}>
                  {s.title}
                </option>
              ))}
            </datalist>
            <Field label="Role">
              <Select name="grant-role" value={role} options={GRANT_ROLES} onChange={setRole} />
            </Field>
          </div>
          <Button type="submit" busy={busy}>
            Grant
          </Button>
        </form>
      )}
      <ConfirmDialog
        open={removing !== null}
        title="Remove this grant?"
        message={
          <p>
            Team {team.name} loses its {removing?.role} role on {grantLabel(removing?.space ?? "")}; its members keep what
            their org role gives them.
          </p>
        }
        confirmLabel="Remove grant"
        onConfirm={async () => {
          if (!removing) return;
          await api.del(`${path}/grants/${seg(removing.space)}`);
          await onChange();
        }}
        onClose={() => setRemoving(null)}
      />
    </Section>
  );
}
