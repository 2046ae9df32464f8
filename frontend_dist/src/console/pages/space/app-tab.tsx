/**
 * The App tab: the Space's app in a frame (its own origin; the sandbox lets it run scripts, submit forms, open
 * pop-ups and download files), a note with a link when it is not running, and the stage history below.
 */
import { useState } from "preact/hooks";
import type { Space } from "../../types";
import { Button } from "../../ui/button";
import { appView } from "./space-logic";
import { StageHistory } from "./stage-history";

const SANDBOX = "allow-scripts allow-same-origin allow-forms allow-popups allow-downloads";

export function AppTab({ space }: { space: Space }) {
  const [woken, setWoken] = useState(false);
  const view = appView(space, woken);
  const label = space.title || space.name;
  return (
    <>
      {view.note && (
        <div class={view.embed ? "pc-note pc-space-app-note" : "pc-warning pc-space-app-note"} role="status">
          <span>{view.note}</span>
          <span class="pc-row">
            {view.wakes && (
              <Button variant="primary" onClick={() => setWoken(true)}>
                Wake it and show the app here
              </Button>
            )}
            <a href={space.url} target="_blank" rel="noopener noreferrer">
              Open the app in a new tab
            </a>
          </span>
        </div>
      )}
      {view.embed && (
        <iframe
          key={String(space.serving_revision)}
          class="pc-space-frame"
          src={space.url}
          title={`${label}: the app`}
          sandbox={SANDBOX}
          allow="clipboard-write"
          loading="eager"
          data-testid="space-frame"
        />
      )}
      {view.embed && space.visibility !== "public" && (
        <p class="pc-muted pc-space-frame-hint">
          A {space.visibility} Space asks you to sign in to it once: if the app does not show here,{" "}
          <a href={space.url} target="_blank" rel="noopener noreferrer">
            open it in a new tab
          </a>{" "}
          and reload this page.
        </p>
      )}
      <StageHistory space={space} />
    </>
  );
}
