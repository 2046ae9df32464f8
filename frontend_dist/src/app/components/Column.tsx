/** Column: children stacked; `scale` and `min_width` set its share of a row. */
import type { BlockProps } from "../types";
import { Block } from "./Block";

export function Column(p: BlockProps) {
  const v = p.props.variant;
  return (
    <Block block={p} cls={v === "panel" || v === "compact" ? `pd-variant-${v}` : ""} tracked={p.props.show_progress === true}>
      {p.children}
    </Block>
  );
}
