/** What an unregistered component type renders: an empty block (with its children, for layouts). */
import type { VNode } from "preact";
import type { BlockProps } from "../types";

export function FallbackBlock({ id, type, props, children }: BlockProps): VNode {
  const classes = Array.isArray(props.elem_classes) ? props.elem_classes.join(" ") : "";
  return (
    <div
      id={`component-${id}`}
      class={`pd-block pd-${type} ${classes}`.trim()}
      data-testid={type}
      hidden={props.visible === false}
    >
      {children}
    </div>
  );
}
