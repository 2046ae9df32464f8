/**
 * A `usePaged` list in a Space section (deep links, share links): its error, spinner, `empty` or
 * `children(items)`, then the "Load more" button while there are more pages.
 */
import type { ComponentChildren } from "preact";
import { Button, useAction } from "../../ui/button";
import { ErrorNote, Spinner } from "../../ui/misc";
import type { Paged } from "./paged";

export function PagedList<T>({ list, empty, children }: {
  list: Paged<T>;
  empty: ComponentChildren;
  children: (items: T[]) => ComponentChildren;
}) {
  const [loadMore, loadingMore] = useAction(list.loadMore);
  let body;
  if (list.error && !list.items) body = <ErrorNote error={list.error} retry={() => void list.reset()} />;
  else if (!list.items) body = <Spinner />;
  else if (list.items.length === 0) body = empty;
  else body = children(list.items);
  return (
    <>
      {body}
      {list.hasMore && (
        <Button busy={loadingMore} onClick={() => void loadMore()}>
          Load more
        </Button>
      )}
    </>
  );
}
