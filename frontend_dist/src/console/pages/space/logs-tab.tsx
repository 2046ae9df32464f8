/**
 * The Logs tab: the Space's runtime log (its container's output) or its current build's log (the newest build;
 * a new push switches to its build), both streamed, in the log viewer. Which one shows is part of the URL
 * (`?log=build`).
 */
import { useState } from "preact/hooks";
import { api, withQuery, type Page } from "../../api";
import { POLL_MS, useResource } from "../../hooks";
import { navigate, useRoute } from "../../router";
import type { Space } from "../../types";
import { Empty, ErrorNote, Spinner, Time } from "../../ui/misc";
import { BuildBadge } from "./build-badge";
import { useBuildLog, useRuntimeLog } from "./log-stream";
import { LogView } from "./log-view";
import { buildLogUrl, logFileName, runtimeLogUrl, type LogKind } from "./logs";
import { spaceApi, type Build } from "./types";

function RuntimeLog({ space, onReconnect }: { space: Space; onReconnect: () => void }) {
  const stream = useRuntimeLog(runtimeLogUrl(space.owner, space.name));
  return (
    <LogView
      stream={stream}
      label="Runtime log"
      fileName={logFileName(space.owner, space.name, "runtime")}
      emptyText="No output yet. Lines the app prints show here as they are written."
      onReconnect={onReconnect}
    />
  );
}

function BuildLog({ space, build, onReconnect }: { space: Space; build: Build; onReconnect: () => void }) {
  const stream = useBuildLog(buildLogUrl(space.owner, space.name, build.id, true));
  return (
    <LogView
      stream={stream}
      label={`Log of build ${build.id}`}
      fileName={logFileName(space.owner, space.name, "build", build.id)}
      emptyText="The build has written nothing yet."
      onReconnect={onReconnect}
    />
  );
}

function CurrentBuild({ space, attempt, onReconnect }: { space: Space; attempt: number; onReconnect: () => void }) {
  const builds = useResource(
    () => api.get<Page<Build>>(withQuery(`${spaceApi(space.owner, space.name)}/builds`, { limit: 1 })),
    `${space.owner}/${space.name}`,
    { poll: POLL_MS },
  );
  if (builds.error && !builds.data) return <ErrorNote error={builds.error} retry={() => void builds.reload()} />;
  if (!builds.data) return <Spinner />;
  const build = builds.data.items[0];
  if (!build) return (
      <Empty title="No build yet">
        <p>
          Push the app's files with <code>podium push</code> to build it.
        </p>
      </Empty>
    );
  return (
    <>
      <p class="pc-row pc-space-build-line">
        <span>
          Build {build.id} of revision {build.revision}
        </span>
        <BuildBadge status={build.status} error={build.error} />
        <span class="pc-muted">
          queued <Time iso={build.created_at} />
        </span>
      </p>
      <BuildLog key={`${build.id}-${attempt}`} space={space} build={build} onReconnect={onReconnect} />
    </>
  );
}

export function LogsTab({ space }: { space: Space }) {
  const { path, query } = useRoute();
  const kind: LogKind = query.get("log") === "build" ? "build" : "runtime";
  const [attempt, setAttempt] = useState(0);
  const reconnect = () => setAttempt((n) => n + 1);
  const choose = (next: LogKind) => navigate(next === "build" ? `${path}?log=build` : path, { replace: true });
  return (
    <div class="pc-space-logs">
      <div class="pc-segmented" role="group" aria-label="Which log">
        <button type="button" aria-pressed={kind === "runtime"} onClick={() => choose("runtime")}>
          Runtime
        </button>
        <button type="button" aria-pressed={kind === "build"} onClick={() => choose("build")}>
          Build
        </button>
      </div>
      {kind === "runtime" ? (
        <RuntimeLog key={attempt} space={space} onReconnect={reconnect} />
      ) : (
        <CurrentBuild space={space} attempt={attempt} onReconnect={reconnect} />
      )}
    </div>
  );
}
