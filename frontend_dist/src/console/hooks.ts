/**
 * Data hooks of the console: `useResource` loads what a page shows and, with `poll`, keeps it fresh (only while
 * the tab is visible, at once when it becomes visible again, never two requests at a time); `useEventSource`
 * follows a server-sent event stream.
 */
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { ApiError } from "./api";

export const POLL_MS = 3000;

export interface Resource<T> {
  data: T | undefined;
  error: ApiError | null;
  /** True until the first answer (or error). */
  loading: boolean;
  /** Load again now (after a change); resolves when done. */
  reload: () => Promise<void>;
  /** Replace the data (with what a change returned), without a request. */
  setData: (data: T) => void;
}

export interface ResourceOptions {
  /** Reload every `poll` ms while the page is visible. */
  poll?: number;
}

function asApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  return new ApiError(0, "error", error instanceof Error ? error.message : String(error));
}

/** What `load` returns, loaded when `key` changes (and every `poll` ms when given). */
export function useResource<T>(load: () => Promise<T>, key: string, options: ResourceOptions = {}): Resource<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<ApiError | null>(null);
  const [loading, setLoading] = useState(true);
  const loadRef = useRef(load);
  loadRef.current = load;
  const running = useRef<Promise<void> | null>(null);
  const generation = useRef(0);

  const reload = useCallback((): Promise<void> => {
    if (running.current) return running.current;
    const mine = generation.current;
    const done = loadRef
      .current()
      .then((value) => {
        if (mine !== generation.current) return;
        setData(value);
        setError(null);
      })
      .catch((caught: unknown) => {
        if (mine !== generation.current) return;
        setError(asApiError(caught));
      })
      .finally(() => {
        running.current = null;
        if (mine === generation.current) setLoading(false);
      });
    running.current = done;
    return done;
  }, []);

  useEffect(() => {
    generation.current += 1;
    running.current = null;
    setData(undefined);
    setError(null);
    setLoading(true);
    void reload();
  }, [key, reload]);

  useEffect(() => {
    if (!options.poll) return;
    const every = options.poll;
    const tick = () => {
      if (document.visibilityState === "visible") void reload();
    };
    const timer = setInterval(tick, every);
    document.addEventListener("visibilitychange", tick);
    return () => {
      clearInterval(timer);
      document.removeEventListener("visibilitychange", tick);
    };
  }, [key, options.poll, reload]);

  return { data, error, loading, reload, setData };
}

export interface StreamHandlers {
  /** A `message` event (no `event:` name): its data. */
  onLine?: (data: string, id: string) => void;
  /** Named events, by name. */
  onEvent?: Record<string, (data: string) => void>;
  /** The connection opened (again). */
  onOpen?: () => void;
  /** The connection failed; the browser retries by itself unless `closed` (it gave up for good). */
  onError?: (closed: boolean) => void;
}

/** Follow the event stream at `url` while it is not null; closed on unmount or when `url` changes. */
export function useEventSource(url: string | null, handlers: StreamHandlers): void {
  const handlersRef = useRef(handlers);
  handlersRef.current = handlers;
  useEffect(() => {
    if (!url) return;
    const source = new EventSource(url, { withCredentials: true });
    source.onmessage = (event: MessageEvent<string>) => handlersRef.current.onLine?.(event.data, event.lastEventId);
    source.onopen = () => handlersRef.current.onOpen?.();
    source.onerror = () => handlersRef.current.onError?.(source.readyState === EventSource.CLOSED);
    const names = Object.keys(handlersRef.current.onEvent ?? {});
    for (const name of names) {
      source.addEventListener(name, (event) => {
        handlersRef.current.onEvent?.[name]?.((event as MessageEvent<string>).data);
        if (name === "end") source.close();
      });
    }
    return () => source.close();
  }, [url]);
}

/** The document's title while the component is shown: "`title` · Podium". */
export function useTitle(title: string): void {
  useEffect(() => {
    document.title = title ? `${title} · Podium` : "Podium";
  }, [title]);
}
