/** How often a link was used, for the deep-link and share-link tables: "3 times (last 2 hours ago)". */
import { Time } from "../../ui/misc";

export function UseCount({ count, last }: { count: number; last: string | null | undefined }) {
  return (
    <>
      {count} {count === 1 ? "time" : "times"}
      {last && (
        <span class="pc-muted">
          {" "}
          (last <Time iso={last} />)
        </span>
      )}
    </>
  );
}
