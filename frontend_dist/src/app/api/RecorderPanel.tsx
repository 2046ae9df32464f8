import { useEffect, useMemo, useState } from "preact/hooks";
import type { ApiInfo, ApiTarget } from "./info";
import { LanguageTabs } from "./LanguageTabs";
import { clearRecording, recorderState, stopRecording, subscribe } from "./recorder";
import { toSnippetCalls, type InputMask } from "./recording";
import { callSnippets, type Language } from "./snippets";

export interface RecorderPanelProps {
  info: ApiInfo;
  target: ApiTarget;
  mask?: InputMask;
  lang: Language;
  onLang: (lang: Language) => void;
  /** Starts recording; the API page closes so the app can be used (a bar offers "Stop"). */
  onRecord: () => void;
}

/** The "Record" toggle and the recorded calls as code. */
export function RecorderPanel({ info, target, mask, lang, onLang, onRecord }: RecorderPanelProps) {
  const [state, setState] = useState(recorderState);
  useEffect(() => subscribe(setState), []);
  // One session for the curl calls, so State carries from one call to the next as it did in the UI.
  const sessionHash = useMemo(() => "rec" + Math.random().toString(36).slice(2, 12), []);
  const calls = toSnippetCalls(info, state.calls, mask);
  const skipped = state.calls.length - calls.length;
  return (
    <section class="pd-api-recorder" aria-labelledby="pd-api-recorder-title">
      <h3 id="pd-api-recorder-title">API recorder</h3>
      <p>Turn on Record, use the app, and get the calls you made as code.</p>
      <div class="pd-api-recorder-bar">
        <button
          type="button"
          aria-pressed={state.recording}
          class={state.recording ? "pd-api-record pd-api-recording" : "pd-api-record"}
          onClick={state.recording ? stopRecording : onRecord}
        >
          {state.recording ? "Stop recording" : state.calls.length ? "Record again" : "Record"}
        </button>
        <span role="status">
          {state.recording || state.calls.length ? `${calls.length} call${calls.length === 1 ? "" : "s"} recorded` : ""}
          {skipped > 0 ? ` (${skipped} to non-public events left out)` : ""}
        </span>
        {state.calls.length > 0 && !state.recording && (
          <button type="button" onClick={clearRecording}>
            Clear
          </button>
        )}
      </div>
      {calls.length > 0 && (
        <LanguageTabs idPrefix="pd-api-rec" label="the recorded calls" snippets={callSnippets(target, calls, sessionHash)} lang={lang} onLang={onLang} />
      )}
    </section>
  );
}
