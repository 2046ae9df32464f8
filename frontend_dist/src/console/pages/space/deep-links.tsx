/**
 * The Space's deep links (writers): each saved view of the app, when it was made and expires, how often it was
 * opened and what it holds; open it, or delete it (its URL then opens the app with a "not found" notice).
 */
import { useState } from "preact/hooks";
import { api, seg } from "../../api";
import { POLL_MS } from "../../hooks";
import type { Space } from "../../types";
import { Button } from "../../ui/button";
import { ConfirmDialog } from "../../ui/dialog";
import { Empty, Section, Time } from "../../ui/misc";
import { TableHead } from "../../ui/table-head";
import { toast } from "../../ui/toast";
import { deepLinkUrl, labelsText } from "./links";
import { usePaged } from "./paged";
import { PagedList } from "./paged-list";
import { sizeText } from "./revisions";
import { spaceApi, type DeepLink } from "./types";
import { UseCount } from "./use-count";

export function DeepLinksSection({ space }: { space: Space }) {
  const path = `${spaceApi(space.owner, space.name)}/deep-links`;
  const links = usePaged<DeepLink>(path, POLL_MS);
  const [removing, setRemoving] = useState<DeepLink | null>(null);

  const remove = async (link: DeepLink) => {
    await api.del(`${path}/${seg(link.id)}`);
    links.hide(link.id);
    toast.ok("Deep link deleted");
  };

  return (
    <Section title="Deep links" id="pc-space-deep-links">
      <PagedList
        list={links}
        empty={
          <Empty title="No deep links">
            <p>Visitors make one with the app's "Share via Link" button; it reopens the app as they saw it.</p>
          </Empty>
        }
      >
        {(items) => (
          <table class="pc-table" data-testid="deep-links">
            <TableHead columns={["Link", "Created", "Expires", "Opened", "Holds"]} />
            <tbody>
              {items.map((link) => (
                <tr key={link.id} data-id={link.id}>
                  <td data-label="Link">
                    <a class="pc-mono" href={deepLinkUrl(space.url, link.id)} target="_blank" rel="noopener noreferrer">
                      {link.id}
                    </a>
                  </td>
                  <td data-label="Created">
                    <Time iso={link.created_at} />
                  </td>
                  <td data-label="Expires">
                    <Time iso={link.expires_at} />
                  </td>
                  <td data-label="Opened">
                    <UseCount count={link.open_count} last={link.last_opened_at} />
                  </td>
                  <td data-label="Holds">
                    {labelsText(link.labels) || <span class="pc-muted">—</span>}
                    <span class="pc-muted pc-revision-meta">{sizeText(link.size_bytes)}</span>
                  </td>
                  <td class="pc-actions">
                    <Button variant="ghost" onClick={() => setRemoving(link)} aria-label={`Delete deep link ${link.id}`}>
                      Delete
                    </Button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </PagedList>
      <ConfirmDialog
        open={removing !== null}
        title="Delete this deep link?"
        message={<p>Whoever opens it then gets the app with a notice that the link was not found.</p>}
        confirmLabel="Delete"
        onConfirm={() => remove(removing as DeepLink)}
        onClose={() => setRemoving(null)}
      />
    </Section>
  );
}
