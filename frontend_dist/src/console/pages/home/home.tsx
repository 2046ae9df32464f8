/**
 * Home (`/`): the Spaces the user can see (their own, their orgs', those granted to them, public ones), kept
 * fresh by polling so that new Spaces and stage changes show without a reload, with search and filters in the URL.
 */
import { useCallback, useMemo, useRef } from "preact/hooks";
import { getAll } from "../../api";
import { POLL_MS, useResource, useTitle } from "../../hooks";
import { Link, navigate, useRoute } from "../../router";
import { useSession } from "../../session";
import type { Space } from "../../types";
import { Button } from "../../ui/button";
import { Empty, ErrorNote, Spinner } from "../../ui/misc";
import { FiltersBar } from "./filters-bar";
import { NO_FILTERS, homeHref, isFiltered, matches, ownerOptions, readFilters, spacesPath, type HomeFilters } from "./filters";
import { SpaceCard } from "./space-card";
import "./home.css";

/** At most this many Spaces are listed; past it, searching or choosing an owner narrows the list. */
export const MAX_LISTED = 1000;

function countText(shown: number, total: number): string {
  const spaces = (n: number) => `${n} Space${n === 1 ? "" : "s"}`;
  return shown === total ? spaces(total) : `${shown} of ${spaces(total)}`;
}

export function HomePage() {
  useTitle("Spaces");
  const { me, orgs } = useSession();
  const { query } = useRoute();
  const filters = readFilters(query);
  const path = spacesPath(filters);
  const spaces = useResource(() => getAll<Space>(path, MAX_LISTED), path, { poll: POLL_MS });
  // While another search loads, keep showing the last answer rather than a spinner.
  const last = useRef<Space[] | undefined>(undefined);
  if (spaces.data) last.current = spaces.data;
  const all = spaces.data ?? last.current;

  const change = useCallback((next: HomeFilters) => navigate(homeHref(next), { replace: true }), []);
  const owners = useMemo(
    () => ownerOptions(me?.username ?? "", orgs.map((org) => org.name), filters.owner),
    [me, orgs, filters.owner],
  );
  const shown = all?.filter((space) => matches(space, filters));
  const filtered = isFiltered(filters);

  let list;
  if (!all) list = spaces.error ? <ErrorNote error={spaces.error} retry={() => void spaces.reload()} /> : <Spinner />;
  else if (shown && shown.length > 0) {
    list = (
      <ul class="pc-space-list" aria-busy={spaces.loading || undefined}>
        {shown.map((space) => (
          <SpaceCard key={`${space.owner}/${space.name}`} space={space} />
        ))}
      </ul>
    );
  } else if (filtered) {
    list = (
      <Empty title="No Spaces match these filters">
        <Button onClick={() => change(NO_FILTERS)}>Clear filters</Button>
      </Empty>
    );
  } else {
    list = (
      <Empty title="No Spaces yet">
        <p>Create one here, then push your app's folder to it with the Podium CLI.</p>
        <Link class="pc-button pc-button-primary" href="/new">
          New Space
        </Link>
      </Empty>
    );
  }

  return (
    <>
      <div class="pc-page-header">
        <div>
          <h1>Spaces</h1>
          <p>Your Spaces, your orgs' and every public one. Status updates live.</p>
        </div>
        <Link class="pc-button pc-button-primary" href="/new">
          New Space
        </Link>
      </div>
      <FiltersBar filters={filters} owners={owners} onChange={change} />
      <p class="pc-muted pc-home-count" aria-live="polite">
        {all && shown ? countText(shown.length, all.length) : ""}
        {all && all.length >= MAX_LISTED ? ` (the first ${MAX_LISTED}: search or choose an owner to see others)` : ""}
      </p>
      {spaces.error && all && <ErrorNote error={spaces.error} retry={() => void spaces.reload()} />}
      {list}
    </>
  );
}
