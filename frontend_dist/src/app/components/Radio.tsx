/** Radio: a group of radio buttons; the value is the chosen choice's value. */
import type { BlockProps } from "../types";
import { Block } from "./Block";
import { describedBy, FieldLabel } from "./FieldLabel";
import { choicePairs } from "./format";

export function Radio(p: BlockProps) {
  const { props, id } = p;
  const pairs = choicePairs(props.choices);
  const disabled = props.interactive === false;
  return (
    <Block block={p}>
      <FieldLabel id={id} props={props} fallback="Radio" forInput={false} />
      <div class="pd-choices" role="radiogroup" aria-labelledby={`label-${id}`} aria-describedby={describedBy(id, props)}>
        {pairs.map(([label, value], i) => (
          <label class="pd-choice" key={i}>
            <input
              id={i === 0 ? `input-${id}` : undefined}
              type="radio"
              name={`input-${id}`}
              checked={p.value === value}
              disabled={disabled}
              onChange={() => {
                p.setValue(value, { input: true });
                p.emit("select", { index: i, value, selected: true });
              }}
            />
            <span>{label}</span>
          </label>
        ))}
      </div>
    </Block>
  );
}
