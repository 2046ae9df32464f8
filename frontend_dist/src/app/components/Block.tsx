/** The root element every block renders (DOM contract in docs/design/frontend.md); SSR: sdk/podium/ssr/block.py. */
import type { ComponentChildren, JSX } from "preact";
import { h } from "preact";
import type { BlockProps } from "../types";
import { isHidden } from "./format";
import { StatusTracker } from "./StatusTracker";

type Attrs = Record<string, unknown>;

/** Root attributes: `id`, `class`, `data-testid`, `hidden`, `style` (scale / min_width), in that order. */
export function rootAttrs(p: BlockProps, extraClass = ""): Attrs {
  const props = p.props;
  const elemId = typeof props.elem_id === "string" && props.elem_id ? props.elem_id : null;
  const classes = Array.isArray(props.elem_classes) ? (props.elem_classes as unknown[]).map(String) : [];
  let cls = `pd-block pd-${p.type}` + (extraClass ? ` ${extraClass}` : "");
  for (const c of classes) cls += ` ${c}`;
  if (p.status && p.status.state !== "idle") cls += ` pd-status-${p.status.state}`;
  const attrs: Attrs = elemId
    ? { id: elemId, "data-block-id": String(p.id) }
    : { id: `component-${p.id}` };
  attrs.class = cls;
  attrs["data-testid"] = p.type;
  attrs.hidden = isHidden(props);
  const style = sizeStyle(props);
  if (style) attrs.style = style;
  return attrs;
}

/** `flex-grow` from `scale`, `min-width` from `min_width`: how a block shares a row. */
export function sizeStyle(props: Attrs): string {
  let s = "";
  if (typeof props.scale === "number") s += `flex-grow:${props.scale};`;
  if (typeof props.min_width === "number") s += `min-width:min(${props.min_width}px, 100%);`;
  return s;
}

/** The DOM id of a block's root element. */
export function rootId(id: number, props: Attrs): string {
  return typeof props.elem_id === "string" && props.elem_id ? props.elem_id : `component-${id}`;
}

interface BlockShellProps {
  block: BlockProps;
  tag?: string;
  cls?: string;
  /** Show the loading/error overlay of outputs (not on layouts or buttons). */
  tracked?: boolean;
  attrs?: JSX.HTMLAttributes<HTMLElement> & Attrs;
  children?: ComponentChildren;
}

/** A block's root element with its children, plus the status overlay while an event runs. */
export function Block({ block, tag = "div", cls = "", tracked = true, attrs, children }: BlockShellProps) {
  return h(
    tag,
    { ...rootAttrs(block, cls), ...(attrs ?? {}) },
    children,
    tracked ? <StatusTracker status={block.status} /> : null,
  );
}
