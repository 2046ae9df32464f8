/**
 * The Space's deep links (writers): each saved view of the app, when it was made and expires, how often it was
 * opened and what it holds; open it, or delete it (its URL then opens the app with a "not found" notice).
 */
import { useState } from "preact/hooks";
import { api, seg } from "../../api";
import { POLL_MS } from "../../hooks";
import type { Space } from "../../types";
import { Button, useAction } from "../../ui/button";
import { ConfirmDialog } from "../../ui/dialog";
import { Empty, ErrorNote, Section, Spinner, Time } from "../../ui/misc";
import { toast } from "../../ui/toast";
import { deepLinkUrl, labelsText } from "./links";
import { usePaged } from "./paged";
import { sizeText } from "./revisions";
import { spaceApi, type DeepLink } from "./types";

export function DeepLinksSection({ space }: { space: Space }) {
  const path = `${spaceApi(space.owner, space.name)}/deep-links`;
  const links = usePaged<DeepLink>(path, POLL_MS);
  const [removing, setRemoving] = useState<DeepLink | null>(null);
  const [loadMore, loadingMore] = useAction(links.loadMore);

  const remove = async (link: DeepLink) => {
    await api.del(`${path}/${seg(link.id)}`);
    links.hide(link.id);
    toast.ok("Deep link deleted");
  };

  let body;
  if (links.error && !links.items) body = <ErrorNote error={links.error} retry={() => void links.reset()} />;
  else if (!links.items) body = <Spinner />;
  else if (links.items.length === 0) {
    body = (
      <Empty title="No deep links">
        <p>Visitors make one with the app's "Share via Link" button; it reopens the app as they saw it.</p>
      </Empty>
    );
  } else {
    body = (
      <table class="pc-table" data-testid="deep-links">
        <thead>
          <tr>
            <th scope="col">Link</th>
            <th scope="col">Created</th>
            <th scope="col">Expires</th>
            <th scope="col">Opened</th>
            <th scope="col">Holds</th>
            <th scope="col">
              <span class="pc-space-sr">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {links.items.map((link) => (
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
                {link.open_count} {link.open_count === 1 ? "time" : "times"}
                {link.last_opened_at && (
                  <span class="pc-muted">
                    {" "}
                    (last <Time iso={link.last_opened_at} />)
                  </span>
                )}
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
    );
  }
  return (
    <Section title="Deep links" id="pc-space-deep-links">
      {body}
      {links.hasMore && (
        <Button busy={loadingMore} onClick={() => void loadMore()}>
          Load more
        </Button>
      )}
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
