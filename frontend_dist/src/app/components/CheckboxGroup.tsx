/** CheckboxGroup: a fieldset of boxes; the value is the list of the checked choices' values. */
import type { BlockProps } from "../types";
import { Block } from "./Block";
import { describedBy, FieldLabel } from "./FieldLabel";
import { choicePairs } from "./format";

export function CheckboxGroup(p: BlockProps) {
  const { props, id } = p;
  const selected = Array.isArray(p.value) ? (p.value as unknown[]) : [];
  const pairs = choicePairs(props.choices);
  const disabled = props.interactive === false;
  const toggle = (index: number, value: unknown, on: boolean) => {
    const next = pairs.map((c) => c[1]).filter((v) => (v === value ? on : selected.includes(v)));
    p.setValue(next, { input: true });
    p.emit("select", { index, value, selected: on });
  };
  return (
    <Block block={p}>
      <FieldLabel id={id} props={props} fallback="Checkbox Group" forInput={false} />
      <div class="pd-choices" role="group" aria-labelledby={`label-${id}`} aria-describedby={describedBy(id, props)}>
        {pairs.map(([label, value], i) => (
          <label class="pd-choice" key={i}>
            <input
              id={i === 0 ? `input-${id}` : undefined}
              type="checkbox"
              name={`input-${id}`}
              checked={selected.includes(value)}
              disabled={disabled}
              onChange={(e) => toggle(i, value, (e.currentTarget as HTMLInputElement).checked)}
            />
            <span>{label}</span>
          </label>
        ))}
      </div>
    </Block>
  );
}
