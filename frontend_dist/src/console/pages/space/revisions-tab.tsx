/**
 * The Revisions tab: the Space's revisions, newest first, each with its build's status, which one serves and
 * which is the latest; a build's log opens under its row (plain text once finished, followed while it runs);
 * writers roll back to an earlier revision (a new revision with its files, built and deployed like a push).
 */
import { Fragment } from "preact";
import { useState } from "preact/hooks";
import { api, withQuery, type Page } from "../../api";
import { POLL_MS, useResource } from "../../hooks";
import type { Space } from "../../types";
import { Button } from "../../ui/button";
import { ConfirmDialog } from "../../ui/dialog";
import { Empty, ErrorNote, Spinner, Time } from "../../ui/misc";
import { TableHead } from "../../ui/table-head";
import { toast } from "../../ui/toast";
import { BuildBadge } from "./build-badge";
import { useBuildLog } from "./log-stream";
import { LogView } from "./log-view";
import { buildFinished, buildLogUrl, logFileName } from "./logs";
import { fetchText, revisionRows, sizeText } from "./revisions";
import { spaceApi, type Build, type Revision, type RevisionCreated } from "./types";

const REVISIONS_SHOWN = 50;
const BUILDS_SHOWN = 100;

function FinishedLog({ space, build }: { space: Space; build: Build }) {
  const log = useResource(() => fetchText(buildLogUrl(space.owner, space.name, build.id, false)), String(build.id));
  if (log.error) return <ErrorNote error={log.error} retry={() => void log.reload()} />;
  if (log.data === undefined) return <Spinner label="Loading the log" />;
  return (
    <pre class="pc-log pc-revision-log-text" tabIndex={0} aria-label={`Log of build ${build.id}`} data-testid="build-log-text">
      {log.data || "The build wrote no log."}
    </pre>
  );
}

function FollowedLog({ space, build }: { space: Space; build: Build }) {
  const stream = useBuildLog(buildLogUrl(space.owner, space.name, build.id, true));
  return (
    <LogView
      stream={stream}
      label={`Log of build ${build.id}`}
      fileName={logFileName(space.owner, space.name, "build", build.id)}
      emptyText="The build has written nothing yet."
    />
  );
}

/** A build's log: followed when it was still running on opening (the stream goes on to its end). */
function BuildLogPanel({ space, build }: { space: Space; build: Build }) {
  const [follow] = useState(() => !buildFinished(build));
  return follow ? <FollowedLog space={space} build={build} /> : <FinishedLog space={space} build={build} />;
}

export function RevisionsTab({ space }: { space: Space }) {
  const path = spaceApi(space.owner, space.name);
  const lists = useResource(
    async () => {
      const [revisions, builds] = await Promise.all([
        api.get<Page<Revision>>(withQuery(`${path}/revisions`, { limit: REVISIONS_SHOWN })),
        api.get<Page<Build>>(withQuery(`${path}/builds`, { limit: BUILDS_SHOWN })),
      ]);
      return { revisions, builds };
    },
    path,
    { poll: POLL_MS },
  );
  const [open, setOpen] = useState<ReadonlySet<number>>(new Set());
  const [rollbackTo, setRollbackTo] = useState<number | null>(null);
  const canWrite = space.can.includes("space.write");

  const toggle = (number: number) => {
    const next = new Set(open);
    if (!next.delete(number)) next.add(number);
    setOpen(next);
  };

  const rollback = async (number: number) => {
    const created = await api.post<RevisionCreated>(`${path}/rollback`, { revision: number });
    toast.ok(`Revision ${created.revision.number} rolls back to revision ${number}`);
    setOpen(new Set([created.revision.number]));
    await lists.reload();
  };

  if (lists.error && !lists.data) return <ErrorNote error={lists.error} retry={() => void lists.reload()} />;
  if (!lists.data) return <Spinner />;
  const rows = revisionRows(lists.data.revisions.items, lists.data.builds.items, space.serving_revision, space.latest_revision);
  if (rows.length === 0) {
    return (
      <Empty title="No revisions yet">
        <p>
          Push the app's files with <code>podium push</code>; each push is a revision.
        </p>
      </Empty>
    );
  }
  return (
    <>
      <table class="pc-table pc-revisions" data-testid="revisions">
        <TableHead columns={["Revision", "Message", "Created", "Build"]} />
        <tbody>
          {rows.map(({ revision, build, serving, latest }) => (
            <Fragment key={revision.number}>
              <tr data-revision={revision.number}>
                <td data-label="Revision">
                  <span class="pc-row">
                    <strong>#{revision.number}</strong>
                    {serving && <span class="pc-badge pc-space-serving">Serving</span>}
                    {latest && <span class="pc-badge">Latest</span>}
                  </span>
                </td>
                <td data-label="Message">
                  {revision.message || <span class="pc-muted">(no message)</span>}
                  <span class="pc-muted pc-revision-meta">
                    {revision.files} files · {sizeText(revision.size)}
                  </span>
                </td>
                <td data-label="Created">
                  <Time iso={revision.created_at} />
                </td>
                <td data-label="Build">
                  {build ? <BuildBadge status={build.status} error={build.error} /> : <span class="pc-muted">not built</span>}
                </td>
                <td class="pc-actions">
                  {build && (
                    <Button variant="ghost" aria-expanded={open.has(revision.number)} onClick={() => toggle(revision.number)}>
                      Build log
                    </Button>
                  )}
                  {canWrite && !latest && build && (
                    <Button variant="ghost" onClick={() => setRollbackTo(revision.number)}>
                      Roll back to this revision
                    </Button>
                  )}
                </td>
              </tr>
              {build && open.has(revision.number) && (
                <tr class="pc-revision-log-row">
                  <td colSpan={5}>
                    <BuildLogPanel key={build.id} space={space} build={build} />
                  </td>
                </tr>
              )}
            </Fragment>
          ))}
        </tbody>
      </table>
      {lists.data.revisions.next_cursor && <p class="pc-muted">The newest {REVISIONS_SHOWN} revisions.</p>}
      <ConfirmDialog
        open={rollbackTo !== null}
        title={`Roll back to revision ${rollbackTo}?`}
        message={
          <p>
            A new revision with the files of revision {rollbackTo} is made, built and deployed like a push. The revision
            that serves now keeps serving until the build is ready.
          </p>
        }
        confirmLabel="Roll back"
        danger={false}
        onConfirm={() => rollback(rollbackTo as number)}
        onClose={() => setRollbackTo(null)}
      />
    </>
  );
}
