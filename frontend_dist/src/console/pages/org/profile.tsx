/**
 * What someone outside an org sees of it: its name and description (the page header) and the Spaces of it
 * they may open (its public ones). Nothing about its members, teams or settings.
 */
import { getAll, seg, withQuery } from "../../api";
import { useResource } from "../../hooks";
import { Link } from "../../router";
import type { Org, Space } from "../../types";
import { StageBadge, VisibilityBadge } from "../../ui/badge";
import { Empty, Loaded, Section } from "../../ui/misc";

export function PublicProfile({ org }: { org: Org }) {
  const spaces = useResource(() => getAll<Space>(withQuery("/api/spaces", { owner: org.name }), 200), org.name);
  return (
    <Section title="Spaces" id="pc-org-public">
      <p class="pc-muted">
        You are not a member of {org.name}: you see its public profile and the Spaces you may open.
      </p>
      <Loaded resource={spaces}>
        {(list) =>
          list.length === 0 ? (
            <Empty title={`${org.display_name || org.name} has no public Spaces`} />
          ) : (
            <ul class="pc-org-spaces">
              {list.map((space) => (
                <li key={space.name}>
                  <Link href={`/spaces/${seg(space.owner)}/${seg(space.name)}`}>
                    <strong>{space.title || space.name}</strong>
                  </Link>{" "}
                  <span class="pc-muted pc-mono">
                    {space.owner}/{space.name}
                  </span>{" "}
                  <VisibilityBadge visibility={space.visibility} /> <StageBadge stage={space.stage} />
                </li>
              ))}
            </ul>
          )
        }
      </Loaded>
    </Section>
  );
}
