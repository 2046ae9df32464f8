/** Row: children side by side; they wrap under ~640px (styles/layout.css). */
import type { BlockProps } from "../types";
import { Block } from "./Block";

export function rowClass(props: Record<string, unknown>): string {
  let cls = "";
  if (props.equal_height === true) cls += "pd-equal-height";
  if (props.variant === "panel" || props.variant === "compact") cls += `${cls ? " " : ""}pd-variant-${props.variant}`;
  return cls;
}

export function Row(p: BlockProps) {
  return (
    <Block block={p} cls={rowClass(p.props)} tracked={p.props.show_progress === true}>
      {p.children}
    </Block>
  );
}
