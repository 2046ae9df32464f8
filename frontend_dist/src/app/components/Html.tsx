/** HTML: the app author's markup, inserted as is (as Gradio does). `html_template` may wrap `${value}`. */
import type { BlockProps } from "../types";
import { Block } from "./Block";
import { FieldLabel } from "./FieldLabel";
import { text } from "./format";

export function htmlOf(value: unknown, template: unknown): string {
  const v = text(value);
  return typeof template === "string" && template.includes("${value}") ? template.split("${value}").join(v) : v;
}

export function Html(p: BlockProps) {
  const { props, id } = p;
  return (
    <Block block={p}>
      {props.show_label === true ? <FieldLabel id={id} props={props} fallback="HTML" forInput={false} /> : null}
      <div class="pd-html-content" onClick={() => p.emit("click")} dangerouslySetInnerHTML={{ __html: htmlOf(p.value, props.html_template) }} />
    </Block>
  );
}
