/**
 * The API recorder's store: which calls the UI made while "Record" was on.
 *
 * FOR THE RUNTIME: call `record({ apiName, fnIndex, data })` from the dispatch, once for every call to a
 * backend function (queued or not), with `data` exactly as sent to the server (FileData dicts for files,
 * State inputs included: the API page drops them). It costs one boolean check when not recording, and keeps
 * nothing then. This module has no imports besides types, so it can sit in the main bundle while the API
 * page itself is loaded lazily.
 */

import type { RecordedCall } from "../types";

export interface RecorderState {
  recording: boolean;
  calls: readonly RecordedCall[];
}

type Listener = (state: RecorderState) => void;

let state: RecorderState = { recording: false, calls: [] };
const listeners = new Set<Listener>();

function update(next: RecorderState): void {
  state = next;
  for (const listener of listeners) listener(state);
}

// The UI may keep mutating its values; the recording must show what was sent at the time.
function snapshot(data: unknown[]): unknown[] {
  try {
    return JSON.parse(JSON.stringify(data)) as unknown[];
  } catch {
    return [...data];
  }
}

/** Starts a new recording (earlier calls are dropped). */
export function startRecording(): void {
  update({ recording: true, calls: [] });
}

/** Stops recording; the calls stay until the next `startRecording` or `clearRecording`. */
export function stopRecording(): void {
  if (state.recording) update({ ...state, recording: false });
}

export function clearRecording(): void {
  update({ ...state, calls: [] });
}

/** Called by the runtime for every call it makes; kept only while recording and when it has an api_name. */
export function record(call: RecordedCall): void {
  if (!state.recording || !call.apiName) return; // no api_name: never a public endpoint
  update({ ...state, calls: [...state.calls, { ...call, data: snapshot(call.data) }] });
}

export function recorderState(): RecorderState {
  return state;
}

/** Calls `listener` on every change; returns the function that unsubscribes. */
export function subscribe(listener: Listener): () => void {
  listeners.add(listener);
  return () => {
    listeners.delete(listener);
  };
}
