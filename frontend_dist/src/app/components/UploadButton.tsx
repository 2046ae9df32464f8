/** UploadButton: a button that opens the file picker; the files go up through `upload` and become the value. */
import { useRef, useState } from "preact/hooks";
import type { BlockProps } from "../types";
import { rootAttrs } from "./Block";
import { buttonClass } from "./Button";
import { labelOf } from "./format";

/** The `accept` attribute for Gradio's `file_types` (".pdf", "image", "audio", "video", "text"). */
export function acceptOf(fileTypes: unknown): string | undefined {
  if (!Array.isArray(fileTypes) || fileTypes.length === 0) return undefined;
  const kinds: Record<string, string> = { image: "image/*", audio: "audio/*", video: "video/*", text: "text/*" };
  const parts = fileTypes.map(String).filter((t) => t !== "file").map((t) => kinds[t] ?? t);
  return parts.length ? parts.join(",") : undefined;
}

/** Upload picked files and store them as the value: one FileData, or a list for file_count multiple/directory. */
export async function uploadFiles(p: BlockProps, files: File[]): Promise<void> {
  if (files.length === 0) return;
  const data = await p.upload(files);
  const value = p.props.file_count === "multiple" || p.props.file_count === "directory" ? data : (data[0] ?? null);
  p.setValue(value, { input: true });
  p.emit("upload", value);
}

export function UploadButton(p: BlockProps) {
  const { props, id } = p;
  const input = useRef<HTMLInputElement>(null);
  const [busy, setBusy] = useState(false);
  const disabled = props.interactive === false || busy;
  const onChange = async (e: Event) => {
    const el = e.currentTarget as HTMLInputElement;
    const files = Array.from(el.files ?? []);
    setBusy(true);
    try {
      await uploadFiles(p, files);
    } finally {
      setBusy(false);
      el.value = "";
    }
  };
  return (
    <div {...rootAttrs(p)}>
      <input
        ref={input}
        id={`input-${id}`}
        class="pd-sr-only"
        type="file"
        tabIndex={-1}
        accept={acceptOf(props.file_types)}
        multiple={props.file_count === "multiple" || props.file_count === "directory"}
        disabled={disabled}
        aria-hidden="true"
        onChange={onChange}
      />
      <button
        type="button"
        class={buttonClass(props)}
        disabled={disabled}
        aria-busy={busy ? "true" : undefined}
        onClick={() => {
          p.emit("click");
          input.current?.click();
        }}
      >
        {labelOf(props, "Upload a File")}
      </button>
    </div>
  );
}
