/** A block's label and info line. `for` points at `input-{id}` when the block has one input. */
import { labelOf } from "./format";

interface Props {
  id: number;
  props: Record<string, unknown>;
  fallback: string;
  /** false: the block has no single input (groups, outputs): a <span> the content names by aria-labelledby. */
  forInput?: boolean;
}

export function FieldLabel({ id, props, fallback, forInput = true }: Props) {
  const cls = props.show_label === false ? "pd-label pd-sr-only" : "pd-label";
  const label = labelOf(props, fallback);
  const info = typeof props.info === "string" && props.info ? props.info : null;
  return (
    <>
      {forInput ? (
        <label class={cls} id={`label-${id}`} for={`input-${id}`}>
          {label}
        </label>
      ) : (
        <span class={cls} id={`label-${id}`}>
          {label}
        </span>
      )}
      {info !== null ? (
        <div class="pd-info" id={`info-${id}`}>
          {info}
        </div>
      ) : null}
    </>
  );
}

/** `aria-describedby` for the input when the block has an info line. */
export function describedBy(id: number, props: Record<string, unknown>): string | undefined {
  return typeof props.info === "string" && props.info ? `info-${id}` : undefined;
}
