/** Accordion: <details>/<summary>; toggling fires `expand` / `collapse`. */
import { useState } from "preact/hooks";
import type { BlockProps } from "../types";
import { Block } from "./Block";
import { labelOf } from "./format";

export function Accordion(p: BlockProps) {
  const wanted = p.props.open !== false;
  // The user's toggle holds until the app sets `open` again (a prop update wins).
  const [choice, setChoice] = useState<{ wanted: boolean; open: boolean } | null>(null);
  const open = choice && choice.wanted === wanted ? choice.open : wanted;
  p.reportUi?.(open); // deep links save it
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
          setChoice({ wanted, open: now });
          p.emit(now ? "expand" : "collapse");
        },
      }}
    >
      <summary class="pd-accordion-label">{labelOf(p.props, "")}</summary>
      <div class="pd-accordion-body">{p.children}</div>
    </Block>
  );
}
