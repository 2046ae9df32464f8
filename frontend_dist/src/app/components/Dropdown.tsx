/** Dropdown: an ARIA combobox (filterable text box + listbox) for one value or, with `multiselect`, several
 * shown as tokens. `allow_custom_value` accepts typed text that is not a choice. */
import { useState } from "preact/hooks";
import type { BlockProps } from "../types";
import { Block } from "./Block";
import { describedBy, FieldLabel } from "./FieldLabel";
import { choicePairs, text } from "./format";

/** The text a value shows as: its choice's label, else the value itself (a custom value). */
export function choiceLabel(pairs: Array<[string, unknown]>, value: unknown): string {
  const hit = pairs.find((c) => c[1] === value);
  return hit ? hit[0] : text(value);
}

export function Dropdown(p: BlockProps) {
  const { props, id } = p;
  const pairs = choicePairs(props.choices);
  const multi = props.multiselect === true;
  const custom = props.allow_custom_value === true;
  const disabled = props.interactive === false;
  const maxChoices = typeof props.max_choices === "number" ? props.max_choices : Infinity;
  const values: unknown[] = multi ? (Array.isArray(p.value) ? (p.value as unknown[]) : []) : [];
  const [open, setOpen] = useState(false);
  const [filter, setFilter] = useState<string | null>(null);
  const [active, setActive] = useState(0);

  const shown =
    filter === null || filter === ""
      ? pairs.map((c, i) => [c, i] as const)
      : pairs.map((c, i) => [c, i] as const).filter(([c]) => c[0].toLowerCase().includes(filter.toLowerCase()));
  const isSelected = (v: unknown) => (multi ? values.includes(v) : p.value === v);

  const choose = (value: unknown, index: number | null) => {
    if (multi) {
      const on = !values.includes(value);
      if (on && values.length >= maxChoices) return;
      p.setValue(on ? [...values, value] : values.filter((v) => v !== value), { input: true });
      p.emit("select", { index, value, selected: on });
      setFilter(null);
    } else {
      p.setValue(value, { input: true });
      p.emit("select", { index, value, selected: true });
      setFilter(null);
      setOpen(false);
    }
  };
  const commitTyped = () => {
    if (filter === null || filter === "") return false;
    const hit = pairs.findIndex((c) => c[0] === filter);
    if (hit >= 0) choose(pairs[hit][1], hit);
    else if (custom) choose(filter, null);
    else return false;
    return true;
  };
  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      if (!open) setOpen(true);
      else setActive((a) => (shown.length ? (a + (e.key === "ArrowDown" ? 1 : -1) + shown.length) % shown.length : 0));
    } else if (e.key === "Enter") {
      e.preventDefault();
      if (open && shown[active] && (filter === null || !custom || shown[active][0][0] === filter)) {
        choose(shown[active][0][1], shown[active][1]);
      } else if (!commitTyped()) p.emit("submit");
    } else if (e.key === "Escape") {
      setOpen(false);
      setFilter(null);
    } else if (e.key === "Backspace" && multi && (filter === null || filter === "") && values.length) {
      p.setValue(values.slice(0, -1), { input: true });
    }
  };
  const onBlur = () => {
    if (!commitTyped()) setFilter(null);
    setOpen(false);
    p.emit("blur");
  };
  const inputText = filter !== null ? filter : multi ? "" : choiceLabel(pairs, p.value);

  return (
    <Block block={p}>
      <FieldLabel id={id} props={props} fallback="Dropdown" />
      <div class="pd-combo">
        {multi ? (
          <div class="pd-tokens">
            {values.map((v, i) => (
              <span class="pd-token" key={i}>
                {choiceLabel(pairs, v)}
                <button
                  type="button"
                  class="pd-token-remove"
                  aria-label={`Remove ${choiceLabel(pairs, v)}`}
                  disabled={disabled}
                  onClick={() => p.setValue(values.filter((x) => x !== v), { input: true })}
                />
              </span>
            ))}
          </div>
        ) : null}
        <input
          id={`input-${id}`}
          class="pd-input"
          role="combobox"
          aria-expanded={open ? "true" : "false"}
          aria-controls={`listbox-${id}`}
          aria-autocomplete="list"
          aria-describedby={describedBy(id, props)}
          autocomplete="off"
          value={inputText}
          placeholder={typeof props.placeholder === "string" ? props.placeholder : undefined}
          readOnly={props.filterable === false && !custom}
          disabled={disabled}
          onClick={() => setOpen(true)}
          onFocus={() => {
            setOpen(true);
            p.emit("focus");
          }}
          onInput={(e) => {
            setFilter((e.currentTarget as HTMLInputElement).value);
            setActive(0);
            setOpen(true);
          }}
          onKeyDown={onKeyDown}
          onBlur={onBlur}
        />
        {open && !disabled ? (
          <ul id={`listbox-${id}`} class="pd-listbox" role="listbox" aria-multiselectable={multi ? "true" : undefined}>
            {shown.length === 0 ? <li class="pd-option pd-option-empty">No matches</li> : null}
            {shown.map(([c, i], k) => (
              <li
                key={i}
                role="option"
                class={k === active ? "pd-option pd-option-active" : "pd-option"}
                aria-selected={isSelected(c[1]) ? "true" : "false"}
                onMouseDown={(e) => e.preventDefault()}
                onClick={() => choose(c[1], i)}
              >
                {c[0]}
              </li>
            ))}
          </ul>
        ) : null}
      </div>
    </Block>
  );
}
