/** Checkbox: one box with its label beside it. */
import type { BlockProps } from "../types";
import { Block } from "./Block";
import { labelOf } from "./format";

export function Checkbox(p: BlockProps) {
  const { props, id } = p;
  const info = typeof props.info === "string" && props.info ? props.info : null;
  return (
    <Block block={p}>
      {info !== null ? (
        <div class="pd-info" id={`info-${id}`}>
          {info}
        </div>
      ) : null}
      <label class="pd-label pd-check" id={`label-${id}`} for={`input-${id}`}>
        <input
          id={`input-${id}`}
          type="checkbox"
          checked={p.value === true}
          disabled={props.interactive === false}
          aria-describedby={info !== null ? `info-${id}` : undefined}
          onChange={(e) => {
            const checked = (e.currentTarget as HTMLInputElement).checked;
            p.setValue(checked, { input: true });
            p.emit("select", { value: labelOf(props, "Checkbox"), selected: checked, index: null });
          }}
        />
        <span>{labelOf(props, "Checkbox")}</span>
      </label>
    </Block>
  );
}
