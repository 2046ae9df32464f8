/**
 * The teams tab: the org's teams and, for admins, a form to make one. A team opens in the same tab
 * (`/orgs/ORG/teams?team=NAME`, so it can be linked) with its members and grants (`team.tsx`).
 */
import { useState } from "preact/hooks";
import { api, getAll, seg } from "../../api";
import { useResource } from "../../hooks";
import { Link, navigate, useRoute } from "../../router";
import { Button, errorText } from "../../ui/button";
import { Field, FormError, Input } from "../../ui/form";
import { Empty, Loaded, Section, Time } from "../../ui/misc";
import { toast } from "../../ui/toast";
import { nameProblem, teamHref } from "./logic";
import { TeamView } from "./team";
import type { OrgTabProps, Team } from "./types";

export function TeamsTab({ org }: OrgTabProps) {
  const team = useRoute().query.get("team");
  if (team) return <TeamView org={org} name={team} />;
  return <TeamList org={org} />;
}

function TeamList({ org }: { org: OrgTabProps["org"] }) {
  const path = `/api/orgs/${seg(org.name)}/teams`;
  const teams = useResource(() => getAll<Team>(path), org.name);
  const manage = org.can.includes("org.teams.manage");
  return (
    <>
      <Section title="Teams" id="pc-org-teams">
        <p class="pc-muted">
          A team gives its members a role on some of {org.name}'s Spaces, or on all of them, beyond their org role.
        </p>
        <Loaded resource={teams}>
          {(list) =>
            list.length === 0 ? (
              <Empty title="No teams yet">{manage && <p>Make one below.</p>}</Empty>
            ) : (
              <table class="pc-table" aria-label={`Teams of ${org.name}`}>
                <thead>
                  <tr>
                    <th scope="col">Team</th>
                    <th scope="col">Description</th>
                    <th scope="col">Created</th>
                  </tr>
                </thead>
                <tbody>
                  {list.map((team) => (
                    <tr key={team.name} data-team={team.name}>
                      <td data-label="Team">
                        <Link href={teamHref(org.name, team.name)}>{team.name}</Link>
                      </td>
                      <td data-label="Description">{team.description || <span class="pc-muted">—</span>}</td>
                      <td data-label="Created">
                        <Time iso={team.created_at} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )
          }
        </Loaded>
      </Section>
      {manage && <NewTeam path={path} org={org.name} />}
    </>
  );
}

function NewTeam({ path, org }: { path: string; org: string }) {
  const [name, setName] = useState("");
  const [description, setDescription] = useState("");
  const [touched, setTouched] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState("");
  const problem = nameProblem(name);
  const submit = async (event: Event) => {
    event.preventDefault();
    setTouched(true);
    if (problem) return;
    setBusy(true);
    setError("");
    try {
      const team = await api.post<Team>(path, { name, description });
      toast.ok(`Team ${team.name} was created`);
      navigate(teamHref(org, team.name));
    } catch (caught) {
      setError(errorText(caught));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Section title="New team" id="pc-org-new-team">
      <form class="pc-org-form" onSubmit={submit} noValidate>
        <FormError error={error} />
        <div class="pc-org-fields">
          <Field label="Team name" hint="Lower-case letters, digits and hyphens" error={touched ? problem : ""}>
            <Input
              value={name}
              maxLength={39}
              autoComplete="off"
              aria-invalid={touched && problem ? true : undefined}
              onInput={(e) => setName(e.currentTarget.value.trim())}
            />
          </Field>
          <Field label="Description (optional)">
            <Input value={description} maxLength={500} onInput={(e) => setDescription(e.currentTarget.value)} />
          </Field>
        </div>
        <Button type="submit" variant="primary" busy={busy}>
          Create team
        </Button>
      </form>
    </Section>
  );
}
