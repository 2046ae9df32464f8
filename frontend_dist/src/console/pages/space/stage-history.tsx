/** A Space's stage history (`GET .../stages`), newest first, kept fresh by polling. */
import { api, withQuery, type Page } from "../../api";
import { POLL_MS, useResource } from "../../hooks";
import type { Space } from "../../types";
import { StageBadge } from "../../ui/badge";
import { ErrorNote, Section, Spinner, Time } from "../../ui/misc";
import { spaceApi, type StageEvent } from "./types";

const SHOWN = 20;

export function StageHistory({ space }: { space: Space }) {
  const stages = useResource(
    () => api.get<Page<StageEvent>>(withQuery(`${spaceApi(space.owner, space.name)}/stages`, { limit: SHOWN })),
    `${space.owner}/${space.name}`,
    { poll: POLL_MS },
  );
  let body;
  if (stages.data) {
    body = (
      <ol class="pc-stage-history" data-testid="stage-history">
        {stages.data.items.map((event, index) => (
          <li key={`${event.at}-${index}`}>
            <StageBadge stage={event.stage} />
            <span class="pc-stage-history-message">{event.message}</span>
            <span class="pc-muted">
              <Time iso={event.at} />
            </span>
          </li>
        ))}
      </ol>
    );
  } else if (stages.error) body = <ErrorNote error={stages.error} retry={() => void stages.reload()} />;
  else body = <Spinner />;
  return (
    <Section title="Stage history" id="pc-stage-history">
      {body}
      {stages.data?.next_cursor && <p class="pc-muted">The newest {SHOWN} changes.</p>}
    </Section>
  );
}
