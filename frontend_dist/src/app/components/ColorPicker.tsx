/** ColorPicker: a native color input and its hex value. */
import type { BlockProps } from "../types";
import { Block } from "./Block";
import { describedBy, FieldLabel } from "./FieldLabel";
import { text } from "./format";

export function ColorPicker(p: BlockProps) {
  const { props, id } = p;
  const value = text(p.value) || "#000000";
  return (
    <Block block={p}>
      <FieldLabel id={id} props={props} fallback="Color Picker" />
      <div class="pd-color">
        <input
          id={`input-${id}`}
          class="pd-color-input"
          type="color"
          value={value}
          disabled={props.interactive === false}
          aria-describedby={describedBy(id, props)}
          onInput={(e) => p.setValue((e.currentTarget as HTMLInputElement).value, { input: true })}
          onFocus={() => p.emit("focus")}
          onBlur={() => p.emit("blur")}
        />
        <code class="pd-color-value">{value}</code>
      </div>
    </Block>
  );
}
