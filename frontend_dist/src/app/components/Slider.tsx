/** Slider: a range input plus a number box that edit the same value. */
import type { BlockProps } from "../types";
import { Block } from "./Block";
import { describedBy, FieldLabel } from "./FieldLabel";
import { labelOf, round, text } from "./format";

/** How far along the track the value is, in percent (drives the filled part of the track). */
export function sliderFill(value: number, min: number, max: number): number {
  if (max <= min) return 0;
  return round(Math.min(100, Math.max(0, ((value - min) / (max - min)) * 100)), 2);
}

export function Slider(p: BlockProps) {
  const { props, id } = p;
  const min = typeof props.minimum === "number" ? props.minimum : 0;
  const max = typeof props.maximum === "number" ? props.maximum : 100;
  const step = typeof props.step === "number" ? props.step : 1;
  const value = typeof p.value === "number" ? p.value : min;
  const disabled = props.interactive === false;
  const set = (e: Event) => {
    const v = Number((e.currentTarget as HTMLInputElement).value);
    if (!Number.isNaN(v)) p.setValue(v, { input: true });
  };
  const release = (e: Event) => p.emit("release", Number((e.currentTarget as HTMLInputElement).value));
  return (
    <Block block={p}>
      <div class="pd-slider-head">
        <FieldLabel id={id} props={props} fallback="Slider" />
        <input
          class="pd-input pd-slider-number"
          type="number"
          value={text(value)}
          min={min}
          max={max}
          step={step}
          disabled={disabled}
          aria-label={`${labelOf(props, "Slider")} (number)`}
          onInput={set}
          onChange={release}
        />
      </div>
      <input
        id={`input-${id}`}
        class="pd-range"
        type="range"
        value={text(value)}
        min={min}
        max={max}
        step={step}
        disabled={disabled}
        style={`--pd-fill:${sliderFill(value, min, max)}%`}
        aria-describedby={describedBy(id, props)}
        onInput={set}
        onChange={release}
      />
    </Block>
  );
}
