/**
 * The audit log tab (admins): what happened in the org, newest first, filtered by action, actor, target and
 * days; the filters live in the URL's query (so a filtered view can be linked) and "Load more" follows the
 * API's `next_cursor`. Each event's details are one collapsed line that opens to the JSON.
 */
import { useState } from "preact/hooks";
import { api, type Page } from "../../api";
import { MorePagesList, useMorePages } from "../../more-pages";
import { navigate, useRoute } from "../../router";
import { Button } from "../../ui/button";
import { Field, FormError, Input } from "../../ui/form";
import { Empty, Section, relativeTime } from "../../ui/misc";
import { TableHead } from "../../ui/table-head";
import { auditPath, detailsSummary, filtersFromQuery, filtersToQuery, hasFilters, NO_FILTERS, type AuditFilters } from "./logic";
import type { AuditEvent, OrgTabProps } from "./types";

/** Actions offered as suggestions (any action, or a prefix ending in `*`, may be typed). */
const KNOWN_ACTIONS = [
  "org.*",
  "org.create",
  "org.update",
  "org.transfer",
  "org.member.role",
  "org.member.remove",
  "org.leave",
  "org.invitation.create",
  "org.invitation.revoke",
  "invitation.accept",
  "team.*",
  "team.create",
  "team.update",
  "team.delete",
  "team.member.add",
  "team.member.remove",
  "team.grant",
  "team.revoke",
  "quota.update",
  "space.*",
  "secret.*",
];

export function AuditTab({ org }: OrgTabProps) {
  const { query } = useRoute();
  const filters = filtersFromQuery(query);
  const first = auditPath(org.name, filters, null);
  const log = useMorePages((cursor) => api.get<Page<AuditEvent>>(auditPath(org.name, filters, cursor)), first);
  const base = `/orgs/${encodeURIComponent(org.name)}/audit`;
  return (
    <Section
      title="Audit log"
      id="pc-org-audit"
      actions={log.first.data && <Button onClick={() => void log.reload()}>Refresh</Button>}
    >
      {org.can.includes("org.audit.read") && (
        <Filters key={first} filters={filters} onApply={(f) => navigate(`${base}${filtersToQuery(f)}`, { replace: true })} />
      )}
      <MorePagesList
        pages={log}
        empty={<Empty title={hasFilters(filters) ? "No events match these filters" : "No events yet"} />}
        moreLabel="Load more"
        moreClass="pc-row pc-org-more"
      >
        {(events) => (
          <table class="pc-table pc-org-audit" aria-label="Audit events">
            <TableHead columns={["Time", "Actor", "Action", "Target", "Details"]} actions={false} />
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

function EventRow({ event }: { event: AuditEvent }) {
  const summary = detailsSummary(event.details);
  const when = new Date(event.created_at);
  return (
    <tr data-action={event.action}>
      <td data-label="Time">
        <time dateTime={event.created_at} title={relativeTime(event.created_at)}>
          {when.toLocaleDateString()} <span class="pc-muted">{when.toLocaleTimeString()}</span>
        </time>
      </td>
      <td data-label="Actor">
        {event.actor}
        {event.via !== "session" && <span class="pc-muted"> via {event.via}</span>}
      </td>
      <td data-label="Action">
        <code>{event.action}</code>
      </td>
      <td data-label="Target">
        <span class="pc-muted">{event.target_kind}</span> {event.target}
      </td>
      <td data-label="Details" class="pc-org-details">
        {summary ? (
          <details>
            <summary>{summary}</summary>
            <pre>{JSON.stringify({ ...event.details, ...(event.ip ? { ip: event.ip } : {}) }, null, 2)}</pre>
          </details>
        ) : (
          <span class="pc-muted">—</span>
        )}
      </td>
    </tr>
  );
}

function Filters({ filters, onApply }: { filters: AuditFilters; onApply: (f: AuditFilters) => void }) {
  const [draft, setDraft] = useState(filters);
  const [error, setError] = useState("");
  const set = (key: keyof AuditFilters) => (e: { currentTarget: HTMLInputElement }) =>
    setDraft({ ...draft, [key]: e.currentTarget.value });
  const submit = (event: Event) => {
    event.preventDefault();
    if (draft.since && draft.until && draft.since > draft.until) {
      setError("The first day is after the last one");
      return;
    }
    setError("");
    onApply(draft);
  };
  return (
    <form class="pc-org-form pc-org-filter-form" onSubmit={submit} role="search" aria-label="Filter the audit log">
      <FormError error={error} />
      <div class="pc-org-fields pc-org-filters">
        <Field label="Action">
          <Input
            value={draft.action}
            list="pc-org-actions"
            placeholder="e.g. team.*"
            maxLength={64}
            autoComplete="off"
            onInput={set("action")}
          />
        </Field>
        <datalist id="pc-org-actions">
          {KNOWN_ACTIONS.map((a) => (
            <option key={a} value={a} />
          ))}
        </datalist>
        <Field label="Actor">
          <Input value={draft.actor} placeholder="a username" maxLength={64} autoComplete="off" onInput={set("actor")} />
        </Field>
        <Field label="Target">
          <Input value={draft.target} placeholder="e.g. ORG/TEAM" maxLength={200} autoComplete="off" onInput={set("target")} />
        </Field>
        <Field label="From day">
          <Input type="date" value={draft.since} onInput={set("since")} />
        </Field>
        <Field label="To day (included)">
          <Input type="date" value={draft.until} onInput={set("until")} />
        </Field>
      </div>
      <div class="pc-row pc-org-filter-buttons">
        <Button type="submit" variant="primary">
          Apply filters
        </Button>
        {hasFilters(filters) && <Button onClick={() => onApply(NO_FILTERS)}>Clear</Button>}
      </div>
    </form>
  );
}
