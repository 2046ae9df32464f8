/** Label: the top class as a heading and one bar per confidence. */
import type { BlockProps } from "../types";
import { Block } from "./Block";
import { FieldLabel } from "./FieldLabel";
import { round, text } from "./format";

export function Label(p: BlockProps) {
  const { props, id } = p;
  const v = p.value && typeof p.value === "object" ? (p.value as Record<string, unknown>) : {};
  const confidences = Array.isArray(v.confidences) ? (v.confidences as Array<Record<string, unknown>>) : [];
  const top = v.label === null || v.label === undefined ? null : text(v.label);
  return (
    <Block block={p}>
      <FieldLabel id={id} props={props} fallback="Label" forInput={false} />
      {top !== null && props.show_heading !== false ? <div class="pd-label-top">{top}</div> : null}
      {confidences.length ? (
        <ul class="pd-confidences" aria-labelledby={`label-${id}`}>
          {confidences.map((c, i) => {
            const pct = typeof c.confidence === "number" ? round(c.confidence * 100) : 0;
            return (
              <li class={text(c.label) === top ? "pd-confidence pd-confidence-top" : "pd-confidence"} key={i}>
                <div class="pd-confidence-head">
                  <span>{text(c.label)}</span>
                  <span>{`${pct}%`}</span>
                </div>
                <div class="pd-bar" role="meter" aria-valuemin={0} aria-valuemax={100} aria-valuenow={pct} aria-label={text(c.label)}>
                  <div class="pd-bar-fill" style={`width:${pct}%`} />
                </div>
              </li>
            );
          })}
        </ul>
      ) : null}
    </Block>
  );
}
