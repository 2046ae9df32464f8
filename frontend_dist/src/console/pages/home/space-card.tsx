/** One Space on the home page: title, OWNER/NAME, live stage, visibility, hardware, last update; opens its page. */
import { seg } from "../../api";
import { Link } from "../../router";
import type { Space } from "../../types";
import { StageBadge, VisibilityBadge } from "../../ui/badge";
import { Time } from "../../ui/misc";

export function spaceHref(space: Pick<Space, "owner" | "name">): string {
  return `/spaces/${seg(space.owner)}/${seg(space.name)}`;
}

export function SpaceCard({ space }: { space: Space }) {
  const full = `${space.owner}/${space.name}`;
  return (
    <li class="pc-card pc-space-card" data-space={full}>
      <div class="pc-space-card-top">
        <h2 class="pc-space-title">
          <Link href={spaceHref(space)}>{space.title || space.name}</Link>
        </h2>
        <StageBadge stage={space.stage} message={space.stage_message} />
      </div>
      <p class="pc-space-name pc-mono">{full}</p>
      <p class="pc-space-meta">
        <VisibilityBadge visibility={space.visibility} />
        <span title="Hardware">{space.hardware}</span>
        <span>
          Updated <Time iso={space.updated_at} />
        </span>
      </p>
    </li>
  );
}
