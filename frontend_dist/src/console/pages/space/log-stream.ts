/**
 * Log streams as the viewer shows them: `useRuntimeLog` follows a Space's container log, `useBuildLog` one
 * build's log (the API's server-sent events, routes_space_logs.py and routes_revisions.py). Lines arrive one
 * event each; they are gathered and added a few times a second, keeping the last MAX_LINES.
 */
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { useEventSource } from "../../hooks";
import { appendCapped, type Connection, type LogLine } from "./logs";

const FLUSH_MS = 80;

export interface LogStream {
  lines: LogLine[];
  connection: Connection;
  /** What the server said besides lines: no container runs, the build ended, the engine failed. */
  note: string;
  /** The server ended the stream (`event: end`): there is nothing more to follow. */
  done: boolean;
}

interface Lines {
  lines: LogLine[];
  add: (text: string, marker?: boolean) => void;
  clear: () => void;
}

/** A capped list of lines, added in batches. */
function useLines(): Lines {
  const [lines, setLines] = useState<LogLine[]>([]);
  const pending = useRef<LogLine[]>([]);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const nextKey = useRef(0);

  const flush = useCallback(() => {
    timer.current = null;
    const added = pending.current;
    pending.current = [];
    setLines((previous) => appendCapped(previous, added));
  }, []);

  useEffect(() => () => {
    if (timer.current) clearTimeout(timer.current);
  }, []);

  const add = useCallback((text: string, marker = false) => {
    pending.current.push({ key: nextKey.current++, text, marker: marker || undefined });
    if (!timer.current) timer.current = setTimeout(flush, FLUSH_MS);
  }, [flush]);

  const clear = useCallback(() => {
    pending.current = [];
    setLines([]);
  }, []);

  return { lines, add, clear };
}

/**
 * A Space's runtime log from `url`: the last lines of its container, then new ones. A `container` event starts
 * a container's lines: the same container again means the stream reconnected and sends its last lines anew
 * (they replace those shown); another one was started in its place (a marker line separates them).
 */
export function useRuntimeLog(url: string): LogStream {
  const { lines, add, clear } = useLines();
  const [connection, setConnection] = useState<Connection>("connecting");
  const [note, setNote] = useState("");
  const [done, setDone] = useState(false);
  const container = useRef<string | null>(null);

  useEventSource(url, {
    onOpen: () => setConnection("live"),
    onError: (closed) => setConnection(closed ? "ended" : "reconnecting"),
    onLine: (data) => add(data),
    onEvent: {
      container: (id) => {
        if (id === container.current) clear();
        else if (container.current !== null) add(`── container ${id} started ──`, true);
        container.current = id;
        setNote("");
      },
      note: (text) => setNote(text),
      error: (text) => setNote(text),
      end: (text) => {
        setNote(text);
        setConnection("ended");
        setDone(true);
      },
    },
  });
  return { lines, connection, note, done };
}

/** One build's log from `url`: every line written so far, then new ones until `event: end`. */
export function useBuildLog(url: string): LogStream {
  const { lines, add } = useLines();
  const [connection, setConnection] = useState<Connection>("connecting");
  const [note, setNote] = useState("");
  const [done, setDone] = useState(false);

  useEventSource(url, {
    onOpen: () => setConnection("live"),
    onError: (closed) => setConnection(closed ? "ended" : "reconnecting"),
    onLine: (data) => add(data),
    onEvent: {
      end: (text) => {
        setNote(text);
        setConnection("ended");
        setDone(true);
      },
    },
  });
  return { lines, connection, note, done };
}
