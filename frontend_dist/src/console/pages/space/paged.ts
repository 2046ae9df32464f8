/**
 * A list of the API's keyset pages (`?limit=&cursor=`, `next_cursor`): the first page is loaded (and polled),
 * "load more" follows the cursor; `reset` goes back to the first page only (after a change).
 */
import { useState } from "preact/hooks";
import { api, withQuery, type ApiError, type Page } from "../../api";
import { useResource } from "../../hooks";
import { mergeById } from "./links";

const PAGE_SIZE = 50;

export interface Paged<T> {
  items: T[] | undefined;
  error: ApiError | null;
  hasMore: boolean;
  loadingMore: boolean;
  loadMore: () => Promise<void>;
  /** Back to the first page, loaded again. */
  reset: () => Promise<void>;
  /** Leave out item `id` from now on (it was deleted). */
  hide: (id: string) => void;
}

export function usePaged<T extends { id: string }>(path: string, poll?: number): Paged<T> {
  const first = useResource(() => api.get<Page<T>>(withQuery(path, { limit: PAGE_SIZE })), path, { poll });
  const [more, setMore] = useState<T[]>([]);
  // undefined: the cursor after the first page (it moves as the first page is polled)
  const [cursor, setCursor] = useState<string | null | undefined>(undefined);
  const [loadingMore, setLoadingMore] = useState(false);
  const [hidden, setHidden] = useState<ReadonlySet<string>>(new Set());
  const next = cursor === undefined ? (first.data?.next_cursor ?? null) : cursor;

  const loadMore = async () => {
    if (!next || loadingMore) return;
    setLoadingMore(true);
    try {
      const page = await api.get<Page<T>>(withQuery(path, { limit: PAGE_SIZE, cursor: next }));
      setMore((items) => items.concat(page.items));
      setCursor(page.next_cursor);
    } finally {
      setLoadingMore(false);
    }
  };

  const reset = async () => {
    setMore([]);
    setCursor(undefined);
    await first.reload();
  };

  return {
    items: first.data ? mergeById(first.data.items, more).filter((item) => !hidden.has(item.id)) : undefined,
    error: first.error,
    hasMore: Boolean(next),
    loadingMore,
    loadMore,
    reset,
    hide: (id: string) => setHidden((ids) => new Set(ids).add(id)),
  };
}
