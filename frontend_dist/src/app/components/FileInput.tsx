/** File: the current file(s) as download links, and (when interactive) a drop zone with a file input. */
import { useState } from "preact/hooks";
import type { BlockProps } from "../types";
import { Block } from "./Block";
import { FieldLabel } from "./FieldLabel";
import { fileName, fileSize, fileUrl } from "./format";
import { acceptOf, uploadFiles } from "./UploadButton";

export function fileList(value: unknown): Array<Record<string, unknown>> {
  const list = Array.isArray(value) ? value : value ? [value] : [];
  return list.filter((f): f is Record<string, unknown> => !!f && typeof f === "object");
}

export function FileInput(p: BlockProps) {
  const { props, id } = p;
  const files = fileList(p.value);
  const interactive = props.interactive !== false;
  const multiple = props.file_count === "multiple" || props.file_count === "directory";
  const [busy, setBusy] = useState(false);
  const [over, setOver] = useState(false);
  const send = async (picked: File[]) => {
    setBusy(true);
    try {
      await uploadFiles(p, multiple ? picked : picked.slice(0, 1));
    } finally {
      setBusy(false);
    }
  };
  const remove = (i: number) => {
    const next = multiple ? files.filter((_, k) => k !== i) : null;
    p.setValue(next && next.length ? next : null, { input: true });
    p.emit("clear");
  };
  return (
    <Block block={p}>
      <FieldLabel id={id} props={props} fallback="File" forInput={interactive} />
      {files.length ? (
        <ul class="pd-files" aria-labelledby={`label-${id}`}>
          {files.map((f, i) => (
            <li class="pd-file-item" key={i}>
              <a href={fileUrl(f)} download={fileName(f)} target="_blank" rel="noopener">
                {fileName(f)}
              </a>
              <span class="pd-file-size">{fileSize(f.size)}</span>
              {interactive ? (
                <button type="button" class="pd-file-remove" aria-label={`Remove ${fileName(f)}`} onClick={() => remove(i)} />
              ) : null}
            </li>
          ))}
        </ul>
      ) : !interactive ? (
        <div class="pd-empty">No file</div>
      ) : null}
      {interactive ? (
        <div
          class={over ? "pd-dropzone pd-dropzone-over" : "pd-dropzone"}
          onDragOver={(e) => {
            e.preventDefault();
            setOver(true);
          }}
          onDragLeave={() => setOver(false)}
          onDrop={(e) => {
            e.preventDefault();
            setOver(false);
            void send(Array.from(e.dataTransfer?.files ?? []));
          }}
        >
          <input
            id={`input-${id}`}
            class="pd-file-input"
            type="file"
            accept={acceptOf(props.file_types)}
            multiple={multiple}
            disabled={busy}
            onChange={(e) => {
              const el = e.currentTarget as HTMLInputElement;
              void send(Array.from(el.files ?? [])).finally(() => (el.value = ""));
            }}
          />
          <span class="pd-dropzone-text">{busy ? "Uploading…" : "Drop a file here or click to choose"}</span>
        </div>
      ) : null}
    </Block>
  );
}
