import { useEffect, useState } from "preact/hooks";
import { recorderState, stopRecording, subscribe } from "./recorder";

/** While recording with the API page closed: how many calls so far, and "Stop" (which reopens the page). */
export function RecordingBar({ onStop }: { onStop: () => void }) {
  const [state, setState] = useState(recorderState);
  useEffect(() => subscribe(setState), []);
  if (!state.recording) return null;
  const n = state.calls.length;
  return (
    <div class="pd-api-recording-bar" role="status">
      <span class="pd-api-dot" aria-hidden="true" />
      Recording API calls: {n} so far
      <button
        type="button"
        onClick={() => {
          stopRecording();
          onStop();
        }}
      >
        Stop and show code
      </button>
    </div>
  );
}
