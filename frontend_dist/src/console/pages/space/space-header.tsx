/**
 * The Space page's header: title, OWNER/NAME, stage (with its message), visibility and hardware, the link that
 * opens the app, and the actions the caller may take: restart, pause or resume, delete (after typing its name).
 */
import { useState } from "preact/hooks";
import { api } from "../../api";
import { navigate } from "../../router";
import type { Space } from "../../types";
import { StageBadge, VisibilityBadge } from "../../ui/badge";
import { Button, useAction } from "../../ui/button";
import { ConfirmDialog } from "../../ui/dialog";
import { toast } from "../../ui/toast";
import { spaceActions } from "./space-logic";
import { spaceApi } from "./types";

interface HeaderProps {
  space: Space;
  /** The Space as an action returned it. */
  onChange: (space: Space) => void;
}

export function SpaceHeader({ space, onChange }: HeaderProps) {
  const path = spaceApi(space.owner, space.name);
  const actions = spaceActions(space);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const [restart, restarting] = useAction(async () => onChange(await api.post<Space>(`${path}/restart`)), "Restarting the Space");
  const [pause, pausing] = useAction(async () => onChange(await api.post<Space>(`${path}/pause`)), "Space paused");
  const [resume, resuming] = useAction(async () => onChange(await api.post<Space>(`${path}/resume`)), "Space resumed");

  const remove = async () => {
    await api.del(path);
    toast.ok(`Space ${space.owner}/${space.name} is being deleted`);
    navigate("/");
  };

  return (
    <header class="pc-page-header pc-space-header">
      <div class="pc-space-heading">
        <h1>{space.title || space.name}</h1>
        <p class="pc-mono">
          {space.owner}/{space.name}
        </p>
        <div class="pc-row pc-space-badges" aria-live="polite" data-testid="space-status">
          <StageBadge stage={space.stage} message={space.stage_message} />
          <VisibilityBadge visibility={space.visibility} />
          <span class="pc-badge" title="Hardware">
            {space.hardware}
          </span>
        </div>
        {space.stage_message && <p class="pc-space-stage-message">{space.stage_message}</p>}
      </div>
      <div class="pc-row pc-space-actions">
        <a class="pc-button pc-button-primary" href={space.url} target="_blank" rel="noopener noreferrer">
          Open app
          <span aria-hidden="true"> ↗</span>
          <span class="pc-sr-only"> (opens a new tab)</span>
        </a>
        {actions.restart && (
          <Button busy={restarting} onClick={() => void restart()}>
            Restart
          </Button>
        )}
        {actions.pause && (
          <Button busy={pausing} onClick={() => void pause()}>
            Pause
          </Button>
        )}
        {actions.resume && (
          <Button busy={resuming} onClick={() => void resume()}>
            Resume
          </Button>
        )}
        {actions.delete && (
          <Button variant="danger" onClick={() => setConfirmDelete(true)}>
            Delete
          </Button>
        )}
      </div>
      <ConfirmDialog
        open={confirmDelete}
        title={`Delete ${space.owner}/${space.name}?`}
        message={
          <p>
            The app stops and the Space, its revisions, logs, secrets, variables and links are removed. This cannot be
            undone.
          </p>
        }
        confirmLabel="Delete this Space"
        typeToConfirm={space.name}
        onConfirm={remove}
        onClose={() => setConfirmDelete(false)}
      />
    </header>
  );
}
