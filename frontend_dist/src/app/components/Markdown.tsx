/** Markdown: rendered by the tiny renderer in markdown.ts (the SSR runs its Python twin). */
import type { BlockProps } from "../types";
import { Block } from "./Block";
import { FieldLabel } from "./FieldLabel";
import { renderMarkdown } from "./markdown";
import { text } from "./format";

export function Markdown(p: BlockProps) {
  const { props, id } = p;
  const html = renderMarkdown(text(p.value), {
    sanitize: props.sanitize_html !== false,
    lineBreaks: props.line_breaks === true,
  });
  return (
    <Block block={p} cls={props.rtl === true ? "pd-rtl" : ""}>
      {props.show_label === true ? <FieldLabel id={id} props={props} fallback="Markdown" forInput={false} /> : null}
      <div class="pd-prose" dangerouslySetInnerHTML={{ __html: html }} />
    </Block>
  );
}
