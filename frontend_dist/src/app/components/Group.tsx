/** Group: children drawn as one panel without gaps. */
import type { BlockProps } from "../types";
import { Block } from "./Block";

export function Group(p: BlockProps) {
  return (
    <Block block={p} tracked={false}>
      {p.children}
    </Block>
  );
}
