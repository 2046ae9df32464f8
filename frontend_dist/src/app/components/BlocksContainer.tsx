/** Blocks: the root of the layout (or a nested app): a plain container. */
import type { BlockProps } from "../types";
import { Block } from "./Block";

export function BlocksContainer(p: BlockProps) {
  return (
    <Block block={p} tracked={false}>
      {p.children}
    </Block>
  );
}
