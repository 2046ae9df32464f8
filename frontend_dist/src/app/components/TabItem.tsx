/** TabItem: one tab's panel. Its `Tabs` parent draws the tab button and hides the panel when not selected. */
import type { BlockProps } from "../types";
import { Block } from "./Block";

export function TabItem(p: BlockProps) {
  return (
    <Block block={p} tracked={false} attrs={{ role: "tabpanel", "aria-labelledby": `tab-${p.id}` }}>
      {p.children}
    </Block>
  );
}
