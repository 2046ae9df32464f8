/** Chatbot: a conversation as messages (placeholder until the Chatbot renderer lands). */
import type { BlockProps } from "../types";
import { Block } from "./Block";

export function Chatbot(p: BlockProps) {
  return <Block block={p}>{null}</Block>;
}
