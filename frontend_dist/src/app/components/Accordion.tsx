/** Accordion: <details>/<summary>; toggling fires `expand` / `collapse`. */
import { useEffect, useState } from "preact/hooks";
import type { BlockProps } from "../types";
import { Block } from "./Block";
import { labelOf } from "./format";

export function Accordion(p: BlockProps) {
  const wanted = p.props.open !== false;
  const [open, setOpen] = useState(wanted);
  useEffect(() => setOpen(wanted), [wanted]);
  return (
    <Block
      block={p}
      tag="details"
      tracked={false}
      attrs={{
        open,
        onToggle: (e: Event) => {
          const now = (e.currentTarget as HTMLDetailsElement).open;
          if (now === open) return;
          setOpen(now);
          p.emit(now ? "expand" : "collapse");
        },
      }}
    >
      <summary class="pd-accordion-label">{labelOf(p.props, "")}</summary>
      <div class="pd-accordion-body">{p.children}</div>
    </Block>
  );
}
