/** JSON: the value pretty-printed (two-space indent, as JSON.stringify). */
import type { BlockProps } from "../types";
import { Block } from "./Block";
import { FieldLabel } from "./FieldLabel";

export function jsonText(value: unknown): string {
  return value === undefined ? "null" : JSON.stringify(value, null, 2);
}

export function Json(p: BlockProps) {
  const { props, id } = p;
  const maxHeight = typeof props.max_height === "number" ? `max-height:${props.max_height}px` : undefined;
  return (
    <Block block={p}>
      <FieldLabel id={id} props={props} fallback="JSON" forInput={false} />
      <pre class="pd-json-view" aria-labelledby={`label-${id}`} style={maxHeight} tabIndex={0}>
        <code>{jsonText(p.value)}</code>
      </pre>
    </Block>
  );
}
