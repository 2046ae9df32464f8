/** The activity tab: your own audited actions (`GET /api/user/audit`), newest first, a page at a time. */
import { api, withQuery, type Page } from "../../api";
import { MorePagesList, useMorePages } from "../../more-pages";
import { Empty, Section, Time } from "../../ui/misc";
import { TableHead } from "../../ui/table-head";
import type { AuditEvent } from "./model";

const PAGE_SIZE = 50;
const loadPage = (cursor: string | null) =>
  api.get<Page<AuditEvent>>(withQuery("/api/user/audit", { limit: PAGE_SIZE, cursor }));

function EventRow({ event }: { event: AuditEvent }) {
  return (
    <tr>
      <td data-label="When"><Time iso={event.created_at} /></td>
      <td data-label="Action"><code>{event.action}</code></td>
      <td data-label="Target">
        <span class="pc-muted">{event.target_kind}</span> {event.target}
      </td>
      <td data-label="Org">{event.org ?? <span class="pc-muted">none</span>}</td>
      <td data-label="Via">{event.via}</td>
      <td data-label="Address"><span class="pc-mono">{event.ip ?? ""}</span></td>
    </tr>
  );
}

export function ActivityTab() {
  const pages = useMorePages(loadPage, "activity");
  return (
    <Section title="Your activity" id="pc-account-activity">
      <p class="pc-muted">What you did, in every org and on your account: sign-ins, tokens, Spaces, members.</p>
      <MorePagesList pages={pages} empty={<Empty title="Nothing yet" />} moreLabel="Show older" moreClass="pc-account-more">
        {(events) => (
          <table class="pc-table" data-testid="activity">
            <TableHead columns={["When", "Action", "Target", "Org", "Via", "Address"]} actions={false} />
            <tbody>
              {events.map((event) => (
                <EventRow key={event.id} event={event} />
              ))}
            </tbody>
          </table>
        )}
      </MorePagesList>
    </Section>
  );
}
