import { useState } from "preact/hooks";
import { copyText } from "./clipboard";

/** A snippet with a Copy button; the result is announced to screen readers. */
export function CodeBlock({ code, label }: { code: string; label: string }) {
  const [status, setStatus] = useState("");
  const copy = async () => {
    setStatus((await copyText(code)) ? "Copied" : "Copy failed: select the code and copy it by hand");
    setTimeout(() => setStatus(""), 2000);
  };
  return (
    <div class="pd-api-code">
      <pre tabIndex={0} aria-label={label}>
        <code>{code}</code>
      </pre>
      <button type="button" class="pd-api-copy" onClick={copy} aria-label={`Copy ${label}`}>
        {status === "Copied" ? "Copied" : "Copy"}
      </button>
      <span class="pd-sr-only" role="status">
        {status}
      </span>
    </div>
  );
}
