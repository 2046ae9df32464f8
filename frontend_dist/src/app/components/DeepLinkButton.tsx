/**
 * DeepLinkButton: a button whose click the runtime turns into a saved snapshot and a copied
 * `APP_URL?deep_link=ID` (runtime/deeplink.ts). It shows the runtime's progress: disabled while
 * `deep_link_saving`, the last link in `data-deep-link`. SSR twin: `files.deeplinkbutton` in podium.ssr.
 */
import type { BlockProps } from "../types";
import { rootAttrs } from "./Block";
import { buttonClass } from "./Button";
import { text } from "./format";

export function DeepLinkButton(p: BlockProps) {
  const { props } = p;
  const saving = props.deep_link_saving === true;
  const url = typeof props.deep_link_url === "string" ? props.deep_link_url : undefined;
  return (
    <button
      {...rootAttrs(p, buttonClass(props))}
      type="button"
      disabled={props.interactive === false || saving}
      aria-busy={saving ? "true" : undefined}
      data-deep-link={url}
      onClick={() => p.emit("click")}
    >
      {text(p.value ?? props.value)}
    </button>
  );
}
