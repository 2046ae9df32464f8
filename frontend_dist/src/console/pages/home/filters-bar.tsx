/**
 * The home page's filter controls: a search box (sent to the API a moment after typing stops), owner, status and
 * visibility. Every change goes to the URL (replacing the history entry), which the page reads back.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import { Select } from "../../ui/form";
import { STAGE_FILTERS, VISIBILITY_FILTERS, type HomeFilters } from "./filters";

export const SEARCH_DEBOUNCE_MS = 300;

interface FiltersBarProps {
  filters: HomeFilters;
  owners: { value: string; label: string }[];
  onChange: (filters: HomeFilters) => void;
}

export function FiltersBar({ filters, owners, onChange }: FiltersBarProps) {
  const [text, setText] = useState(filters.q);
  const sent = useRef(filters.q);
  const latest = useRef(filters);
  latest.current = filters;

  // The URL changed from outside (back, a link): show its search.
  useEffect(() => {
    if (filters.q !== sent.current) {
      sent.current = filters.q;
      setText(filters.q);
    }
  }, [filters.q]);

  useEffect(() => {
    if (text === sent.current) return;
    const timer = setTimeout(() => {
      sent.current = text;
      onChange({ ...latest.current, q: text });
    }, SEARCH_DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [text, onChange]);

  return (
    <div class="pc-home-filters" role="search" aria-label="Filter Spaces">
      <input
        class="pc-input pc-home-search"
        type="search"
        name="search"
        placeholder="Search by name or title"
        aria-label="Search Spaces by name or title"
        maxLength={100}
        value={text}
        onInput={(e) => setText(e.currentTarget.value)}
      />
      <Select aria-label="Owner" name="owner" value={filters.owner} options={owners} onChange={(owner) => onChange({ ...filters, owner })} />
      <Select aria-label="Status" name="stage" value={filters.stage} options={STAGE_FILTERS} onChange={(stage) => onChange({ ...filters, stage })} />
      <Select
        aria-label="Visibility"
        name="visibility"
        value={filters.visibility}
        options={VISIBILITY_FILTERS}
        onChange={(visibility) => onChange({ ...filters, visibility })}
      />
    </div>
  );
}
