/** Button (and ClearButton, whose config type is "button" too): the root element is the <button>. */
import type { BlockProps } from "../types";
import { rootAttrs } from "./Block";
import { text } from "./format";

/** `pd-btn pd-{variant} pd-{size}`: the look every button-like block shares. */
export function buttonClass(props: Record<string, unknown>): string {
  const variant = props.variant === "primary" || props.variant === "stop" || props.variant === "huggingface" ? props.variant : "secondary";
  const size = props.size === "sm" || props.size === "md" ? props.size : "lg";
  return `pd-btn pd-${variant} pd-${size}`;
}

export function Button(p: BlockProps) {
  const { props } = p;
  const label = text(p.value ?? props.value);
  const disabled = props.interactive === false;
  if (typeof props.link === "string" && props.link) {
    return (
      <a {...rootAttrs(p, buttonClass(props))} href={props.link} target={typeof props.link_target === "string" ? props.link_target : undefined} onClick={() => p.emit("click")}>
        {label}
      </a>
    );
  }
  return (
    <button {...rootAttrs(p, buttonClass(props))} type="button" disabled={disabled} onClick={() => p.emit("click")}>
      {label}
    </button>
  );
}
