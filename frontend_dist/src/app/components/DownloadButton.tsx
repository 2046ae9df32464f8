/** DownloadButton: a link styled as a button that downloads its FileData value; disabled while empty. */
import type { BlockProps } from "../types";
import { rootAttrs } from "./Block";
import { buttonClass } from "./Button";
import { fileName, fileUrl, labelOf } from "./format";

export function DownloadButton(p: BlockProps) {
  const { props } = p;
  const file = p.value && typeof p.value === "object" ? (p.value as Record<string, unknown>) : null;
  const label = labelOf(props, "Download");
  return (
    <div {...rootAttrs(p)}>
      {file && props.interactive !== false ? (
        <a class={buttonClass(props)} href={fileUrl(file)} download={fileName(file)} onClick={() => p.emit("click")}>
          {label}
        </a>
      ) : (
        <button type="button" class={buttonClass(props)} disabled>
          {label}
        </button>
      )}
    </div>
  );
}
