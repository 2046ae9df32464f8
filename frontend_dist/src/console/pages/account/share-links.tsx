/**
 * The share-links tab: the public links to apps running on your own machine (`launch(share=True)`,
 * `podium share PORT`), whether a tunnel serves each now, and revoking one (its tunnel closes within seconds).
 */
import { useCallback, useState } from "preact/hooks";
import { api, seg } from "../../api";
import { POLL_MS, useResource } from "../../hooks";
import { Button } from "../../ui/button";
import { ConfirmDialog } from "../../ui/dialog";
import { Empty, Loaded, Section, Time } from "../../ui/misc";
import { TableHead } from "../../ui/table-head";
import { toast } from "../../ui/toast";
import { shortUrl, type ShareLink } from "./model";

const loadLinks = async () => (await api.get<{ links: ShareLink[] }>("/api/share/links")).links;

function ShareLinkRow({ link, onRevoke }: { link: ShareLink; onRevoke: (link: ShareLink) => void }) {
  const active = link.status === "active";
  return (
    <tr data-link={link.id} class={active ? undefined : "pc-account-inactive"}>
      <td data-label="Link" class="pc-account-url">
        {active ? (
          <a href={link.url} target="_blank" rel="noopener noreferrer" class="pc-mono">{shortUrl(link.url)}</a>
        ) : (
          <span class="pc-mono">{shortUrl(link.url)}</span>
        )}
      </td>
      <td data-label="Label">{link.label || <span class="pc-muted">none</span>}</td>
      <td data-label="Status">
        <span class={`pc-badge pc-account-status-${link.status}`} data-status={link.status}>{link.status}</span>
      </td>
      <td data-label="Connected">
        {link.connected ? (
          <span class="pc-badge pc-account-connected"><span class="pc-dot" aria-hidden="true" />connected</span>
        ) : (
          <span class="pc-muted">no</span>
        )}
      </td>
      <td data-label="Created"><Time iso={link.created_at} /></td>
      <td data-label={link.status === "expired" ? "Expired" : "Expires"}><Time iso={link.expires_at} /></td>
      <td data-label="Last seen"><Time iso={link.last_seen_at} /></td>
      <td class="pc-actions">
        {active && (
          <Button variant="ghost" onClick={() => onRevoke(link)} aria-label={`Revoke ${shortUrl(link.url)}`}>
            Revoke
          </Button>
        )}
      </td>
    </tr>
  );
}

function ShareLinkTable({ links, onRevoke }: { links: ShareLink[]; onRevoke: (link: ShareLink) => void }) {
  return (
    <table class="pc-table" data-testid="share-links">
      <TableHead columns={["Link", "Label", "Status", "Connected", "Created", "Expires", "Last seen"]} />
      <tbody>
        {links.map((link) => (
          <ShareLinkRow key={link.id} link={link} onRevoke={onRevoke} />
        ))}
      </tbody>
    </table>
  );
}

export function ShareLinksTab() {
  const resource = useResource(loadLinks, "share-links", { poll: POLL_MS });
  const [showEnded, setShowEnded] = useState(false);
  const [revoking, setRevoking] = useState<ShareLink | null>(null);
  const revoke = useCallback(async () => {
    if (!revoking) return;
    await api.del(`/api/share/links/${seg(revoking.id)}`);
    toast.ok("Share link revoked");
    await resource.reload();
  }, [revoking, resource.reload]);

  return (
    <Section title="Share links" id="pc-account-share-links">
      <p class="pc-muted">
        Public links to apps running on your own machine, made by <code>launch(share=True)</code> or{" "}
        <code>podium share PORT</code>; each lives at most 7 days.
      </p>
      <Loaded resource={resource}>
        {(links) => {
          const active = links.filter((l) => l.status === "active");
          const ended = links.length - active.length;
          const shown = showEnded ? links : active;
          return (
            <div aria-live="polite">
              {shown.length ? (
                <ShareLinkTable links={shown} onRevoke={setRevoking} />
              ) : (
                <Empty title="No active share links">
                  <p>
                    Share an app you run here with <code>demo.launch(share=True)</code>, or any local web app with{" "}
                    <code>podium share 7860</code>.
                  </p>
                </Empty>
              )}
              {ended > 0 && (
                <label class="pc-account-check pc-account-toggle">
                  <input type="checkbox" checked={showEnded} onChange={(e) => setShowEnded(e.currentTarget.checked)} />
                  <span>Show expired and revoked links ({ended})</span>
                </label>
              )}
            </div>
          );
        }}
      </Loaded>
      <ConfirmDialog
        open={revoking !== null}
        title="Revoke this share link?"
        message={
          revoking && (
            <p>
              <span class="pc-mono">{shortUrl(revoking.url)}</span> stops working now and its tunnel closes; the app
              keeps running on your machine. This cannot be undone.
            </p>
          )
        }
        confirmLabel="Revoke link"
        onConfirm={revoke}
        onClose={() => setRevoking(null)}
      />
    </Section>
  );
}
