/** Form: a panel of form fields (Gradio's implicit wrapper around neighbouring inputs). */
import type { BlockProps } from "../types";
import { Block } from "./Block";

export function Form(p: BlockProps) {
  return (
    <Block block={p} tracked={false}>
      {p.children}
    </Block>
  );
}
