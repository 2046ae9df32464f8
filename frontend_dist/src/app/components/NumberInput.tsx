/** Number: `<input type="number">`; an empty box is `null`, Enter submits. */
import type { BlockProps } from "../types";
import { Block } from "./Block";
import { describedBy, FieldLabel } from "./FieldLabel";
import { text } from "./format";

const num = (v: unknown) => (typeof v === "number" ? v : undefined);

export function NumberInput(p: BlockProps) {
  const { props, id } = p;
  const onInput = (e: Event) => {
    const raw = (e.currentTarget as HTMLInputElement).value;
    const v = raw === "" ? null : Number(raw);
    if (v === null || !Number.isNaN(v)) p.setValue(v, { input: true });
  };
  return (
    <Block block={p}>
      <FieldLabel id={id} props={props} fallback="Number" />
      <input
        id={`input-${id}`}
        class="pd-input"
        type="number"
        value={text(p.value)}
        min={num(props.minimum)}
        max={num(props.maximum)}
        step={num(props.step) ?? "any"}
        placeholder={typeof props.placeholder === "string" ? props.placeholder : undefined}
        readOnly={props.interactive === false}
        aria-describedby={describedBy(id, props)}
        onInput={onInput}
        onKeyDown={(e) => {
          if (e.key === "Enter") {
            e.preventDefault();
            p.emit("submit");
          }
        }}
        onFocus={() => p.emit("focus")}
        onBlur={() => p.emit("blur")}
      />
    </Block>
  );
}
