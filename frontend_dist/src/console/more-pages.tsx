/**
 * A read-only list a page at a time (the activity and audit logs): `useMorePages` loads the first page as a
 * resource and appends the next ones along `next_cursor` (a page that fails is a toast); `MorePagesList` shows
 * them with the button that loads more. The Space's link lists, which are polled and edited, use
 * `pages/space/paged.ts` instead.
 */
import type { ComponentChildren } from "preact";
import { useEffect, useState } from "preact/hooks";
import type { Page } from "./api";
import { useResource, type Resource } from "./hooks";
import { Button, useAction } from "./ui/button";
import { Loaded } from "./ui/misc";

export interface MorePages<T> {
  /** The first page. */
  first: Resource<Page<T>>;
  /** The items of the pages loaded after the first. */
  more: readonly T[];
  /** The cursor of the next page; null at the end of the list. */
  cursor: string | null;
  loadMore: () => Promise<boolean>;
  loadingMore: boolean;
  /** Forget the later pages and load the first one again. */
  reload: () => Promise<void>;
}

/** Pages of `loadPage(cursor)` (null: the first), starting over when `key` changes. */
export function useMorePages<T>(loadPage: (cursor: string | null) => Promise<Page<T>>, key: string): MorePages<T> {
  const first = useResource(() => loadPage(null), key);
  const [more, setMore] = useState<Page<T> | null>(null);
  useEffect(() => setMore(null), [key]);
  const cursor = more ? more.next_cursor : (first.data?.next_cursor ?? null);
  const [loadMore, loadingMore] = useAction(async () => {
    const page = await loadPage(cursor);
    setMore({ items: [...(more?.items ?? []), ...page.items], next_cursor: page.next_cursor });
  });
  const reload = () => {
    setMore(null);
    return first.reload();
  };
  return { first, more: more?.items ?? [], cursor, loadMore, loadingMore, reload };
}

/** What `pages` loaded: `empty` when there is nothing, else `children(items)` and, while there are more pages,
 * a button (`moreLabel`, in a div of class `moreClass`) that loads the next one. */
export function MorePagesList<T>({ pages, empty, moreLabel, moreClass, children }: {
  pages: MorePages<T>;
  empty: ComponentChildren;
  moreLabel: string;
  moreClass: string;
  children: (items: T[]) => ComponentChildren;
}) {
  return (
    <Loaded resource={pages.first}>
      {(page) => {
        const items = [...page.items, ...pages.more];
        if (!items.length) return empty;
        return (
          <>
            {children(items)}
            {pages.cursor && (
              <div class={moreClass}>
                <Button busy={pages.loadingMore} onClick={() => void pages.loadMore()}>
                  {moreLabel}
                </Button>
              </div>
            )}
          </>
        );
      }}
    </Loaded>
  );
}
