/**
 * The log viewer: the lines of a stream as text nodes (never markup), a follow switch (scrolls with new lines,
 * pauses when the reader scrolls up, goes on again at the bottom), search (only the lines that contain the
 * text, with it highlighted), a download of the lines shown, and where the connection stands.
 */
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from "preact/hooks";
import { Button } from "../../ui/button";
import type { LogStream } from "./log-stream";
import { atBottom, CONNECTION_LABEL, filterLines, logText, matchParts, type LogLine } from "./logs";

interface LogViewProps {
  stream: LogStream;
  /** The download's file name. */
  fileName: string;
  /** Names the log for screen readers ("Runtime log"). */
  label: string;
  /** Shown while there are no lines yet. */
  emptyText: string;
  /** Open the stream again after it ended (not offered when absent). */
  onReconnect?: () => void;
}

function download(text: string, fileName: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: "text/plain;charset=utf-8" }));
  const link = document.createElement("a");
  link.href = url;
  link.download = fileName;
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

function Line({ line, query }: { line: LogLine; query: string }) {
  return (
    <div class={line.marker ? "pc-log-line pc-log-marker" : "pc-log-line"}>
      {matchParts(line.text, query).map((part, index) => (part.match ? <mark key={index}>{part.text}</mark> : part.text))}
    </div>
  );
}

export function LogView({ stream, fileName, label, emptyText, onReconnect }: LogViewProps) {
  const [follow, setFollow] = useState(true);
  const [query, setQuery] = useState("");
  const box = useRef<HTMLDivElement>(null);
  const shown = useMemo(() => filterLines(stream.lines, query), [stream.lines, query]);

  // Before paint: the newest line is in view as soon as it shows.
  useLayoutEffect(() => {
    const element = box.current;
    if (follow && element) element.scrollTop = element.scrollHeight;
  }, [shown, follow]);

  // Following again puts the reader at the end at once.
  useEffect(() => {
    if (follow && box.current) box.current.scrollTop = box.current.scrollHeight;
  }, [follow]);

  const scrolled = () => {
    const element = box.current;
    if (!element) return;
    const bottom = atBottom(element.scrollTop, element.clientHeight, element.scrollHeight);
    if (bottom !== follow) setFollow(bottom);
  };

  const { connection, note } = stream;
  const counts = query ? `${shown.length} of ${stream.lines.length} lines match` : `${stream.lines.length} lines`;
  return (
    <div class="pc-logview">
      <div class="pc-logview-toolbar">
        <input
          class="pc-input pc-logview-search"
          type="search"
          aria-label="Search the log"
          placeholder="Search the log"
          value={query}
          onInput={(event) => setQuery(event.currentTarget.value)}
        />
        <label class="pc-logview-follow">
          <input type="checkbox" checked={follow} onChange={(event) => setFollow(event.currentTarget.checked)} />
          Follow
        </label>
        <Button onClick={() => download(logText(shown), fileName)} disabled={shown.length === 0}>
          Download
        </Button>
        <span class={`pc-connection pc-connection-${connection}`} data-testid="log-connection" aria-live="polite">
          <span class="pc-dot" aria-hidden="true" />
          {CONNECTION_LABEL[connection]}
        </span>
        {connection === "ended" && !stream.done && onReconnect && (
          <Button variant="ghost" onClick={onReconnect}>
            Reconnect
          </Button>
        )}
      </div>
      {note && (
        <p class="pc-note pc-logview-note" role="status">
          {note}
        </p>
      )}
      <div
        ref={box}
        class="pc-log pc-logview-lines"
        role="log"
        aria-label={label}
        aria-live="off"
        tabIndex={0}
        onScroll={scrolled}
        data-testid="log-lines"
      >
        {shown.length === 0 ? (
          <div class="pc-log-empty">{query && stream.lines.length ? "No line matches the search." : emptyText}</div>
        ) : (
          shown.map((line) => <Line key={line.key} line={line} query={query} />)
        )}
      </div>
      <p class="pc-muted pc-logview-count">{counts}</p>
    </div>
  );
}
