/** Textbox: one line (`<input>`, Enter submits) or several (`<textarea>`, Shift+Enter submits). */
import type { BlockProps } from "../types";
import { Block } from "./Block";
import { describedBy, FieldLabel } from "./FieldLabel";
import { text } from "./format";

/** Rows of a textarea: the value's line count, between `lines` and `max_lines`. */
export function textareaRows(value: string, lines: number, maxLines: number): number {
  const n = value.split("\n").length;
  return Math.max(lines, Math.min(n, Math.max(maxLines, lines)));
}

export function Textbox(p: BlockProps) {
  const { props, id } = p;
  const value = text(p.value);
  const lines = typeof props.lines === "number" ? props.lines : 1;
  const maxLines = typeof props.max_lines === "number" ? props.max_lines : 20;
  const readOnly = props.interactive === false;
  const type = props.type === "password" || props.type === "email" ? props.type : "text";
  const placeholder = typeof props.placeholder === "string" ? props.placeholder : undefined;
  const onInput = (e: Event) => p.setValue((e.currentTarget as HTMLInputElement).value, { input: true });
  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key !== "Enter" || e.isComposing) return;
    if ((lines > 1 && e.shiftKey) || (lines <= 1 && !e.shiftKey)) {
      e.preventDefault();
      p.emit("submit");
    }
  };
  const common = {
    id: `input-${id}`,
    class: "pd-input",
    placeholder,
    readOnly,
    dir: props.rtl === true ? ("rtl" as const) : undefined,
    "aria-describedby": describedBy(id, props),
    onInput,
    onKeyDown,
    onFocus: () => p.emit("focus"),
    onBlur: () => p.emit("blur"),
  };
  return (
    <Block block={p}>
      <FieldLabel id={id} props={props} fallback="Textbox" />
      {lines > 1 ? (
        <textarea {...common} rows={textareaRows(value, lines, maxLines)} value={value} />
      ) : (
        <input {...common} type={type} value={value} />
      )}
    </Block>
  );
}
