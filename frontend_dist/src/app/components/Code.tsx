/** Code: `<pre><code class="language-X">`; an editable monospace textarea when interactive. */
import type { BlockProps } from "../types";
import { Block } from "./Block";
import { FieldLabel } from "./FieldLabel";
import { text } from "./format";

export function Code(p: BlockProps) {
  const { props, id } = p;
  const value = text(p.value);
  const lang = typeof props.language === "string" && props.language ? props.language : null;
  const editable = props.interactive === true;
  const lines = typeof props.lines === "number" ? props.lines : 5;
  return (
    <Block block={p}>
      <FieldLabel id={id} props={props} fallback="Code" forInput={editable} />
      {editable ? (
        <textarea
          id={`input-${id}`}
          class="pd-input pd-code-input"
          rows={Math.max(lines, value.split("\n").length)}
          spellcheck={false}
          value={value}
          onInput={(e) => p.setValue((e.currentTarget as HTMLTextAreaElement).value, { input: true })}
          onFocus={() => p.emit("focus")}
          onBlur={() => p.emit("blur")}
        />
      ) : (
        <pre class="pd-code-view" aria-labelledby={`label-${id}`} tabIndex={0}>
          <code class={lang ? `language-${lang}` : undefined}>{value}</code>
        </pre>
      )}
    </Block>
  );
}
