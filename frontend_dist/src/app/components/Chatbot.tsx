/** Chatbot: the conversation as a `role="log"` of message bubbles (SSR twin: sdk/podium/ssr/chat.py).
 *
 * Text is Markdown (the Markdown component's renderer); files show as images or links. The log scrolls to the
 * newest message when the value changes, unless the visitor scrolled up to read. Clicking a message fires
 * `select`; the copy buttons copy a message (or the whole conversation) and fire `copy`. */
import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import { copyText } from "../api/clipboard";
import "../styles/chatbot.css";
import type { BlockProps } from "../types";
import { Block } from "./Block";
import { FieldLabel } from "./FieldLabel";
import { fileName, fileUrl, text } from "./format";
import { renderMarkdown } from "./markdown";

type Dict = Record<string, unknown>;
const ROLES = ["user", "assistant", "system"];
/** How close to the bottom (px) still counts as "following the conversation". */
const STICKY_PX = 40;

const isDict = (v: unknown): v is Dict => typeof v === "object" && v !== null && !Array.isArray(v);

/** A height prop as CSS: numbers are pixels, strings CSS lengths. */
export function cssSize(v: unknown): string | null {
  if (typeof v === "number") return `${v}px`;
  return typeof v === "string" && v ? v : null;
}

export function logStyle(props: Dict): string | undefined {
  let s = "";
  for (const [name, css] of [["height", "height"], ["max_height", "max-height"], ["min_height", "min-height"]]) {
    const size = cssSize(props[name]);
    if (size !== null) s += `${css}:${size};`;
  }
  return s || undefined;
}

export function messagesOf(value: unknown): Dict[] {
  return Array.isArray(value) ? value.filter(isDict) : [];
}

/** A message's content as parts (a plain string counts as one text part). */
export function partsOf(message: Dict): unknown[] {
  const c = message.content;
  if (typeof c === "string") return [{ type: "text", text: c }];
  return Array.isArray(c) ? c : [];
}

/** What the copy button copies: the text parts, then file names, one per paragraph. */
export function messageText(message: Dict): string {
  const out: string[] = [];
  for (const p of partsOf(message)) {
    if (!isDict(p)) continue;
    if (p.type === "file" && isDict(p.file)) out.push(fileName(p.file));
    else if (typeof p.text === "string") out.push(p.text);
  }
  return out.join("\n\n");
}

export function roleOf(message: Dict): string {
  return typeof message.role === "string" && ROLES.includes(message.role) ? message.role : "assistant";
}

function TextPart({ src, props }: { src: string; props: Dict }) {
  if (props.render_markdown === false) return <div class="pd-chat-text pd-chat-plain">{src}</div>;
  const html = renderMarkdown(src, { sanitize: props.sanitize_html !== false, lineBreaks: props.line_breaks !== false });
  return <div class="pd-chat-text pd-prose" dangerouslySetInnerHTML={{ __html: html }} />;
}

function Part({ part, props }: { part: unknown; props: Dict }) {
  if (!isDict(part)) return null;
  if (part.type === "file" && isDict(part.file)) {
    const f = part.file;
    const name = fileName(f);
    if (typeof f.mime_type === "string" && f.mime_type.startsWith("image/")) {
      const alt = typeof part.alt_text === "string" ? part.alt_text : name;
      return <img class="pd-chat-image" src={fileUrl(f)} alt={alt} />;
    }
    return (
      <a class="pd-chat-file" href={fileUrl(f)} download={name} target="_blank" rel="noopener">
        {name}
      </a>
    );
  }
  if (typeof part.text === "string") return <TextPart src={part.text} props={props} />;
  return <div class="pd-chat-component">{text(part.value)}</div>;
}

function Avatar({ props, role }: { props: Dict; role: string }) {
  const avatars = props.avatar_images;
  if (!Array.isArray(avatars) || role === "system") return null;
  const a = avatars[role === "user" ? 0 : 1];
  if (!isDict(a) || typeof a.path !== "string") return null;
  return <img class="pd-chat-avatar" src={fileUrl(a)} alt="" />;
}

interface BubbleProps {
  message: Dict;
  index: number;
  props: Dict;
  copied: boolean;
  onCopy: () => void;
  onSelect: () => void;
}

function Bubble({ message, index, props, copied, onCopy, onSelect }: BubbleProps) {
  let body = (
    <>
      {partsOf(message).map((p, k) => (
        <Part key={k} part={p} props={props} />
      ))}
    </>
  );
  const meta = isDict(message.metadata) ? message.metadata : {};
  if (typeof meta.title === "string" && meta.title) {
    body = (
      <details class="pd-chat-thought" open={meta.status !== "done"}>
        <summary>
          {meta.title}
          {typeof meta.log === "string" ? <span class="pd-chat-thought-log">{meta.log}</span> : null}
        </summary>
        <div class="pd-chat-thought-body">{body}</div>
      </details>
    );
  }
  const copy =
    Array.isArray(props.buttons) && props.buttons.includes("copy") ? (
      <button
        type="button"
        class="pd-chat-copy"
        aria-label="Copy message"
        title="Copy message"
        onClick={(e: Event) => {
          e.stopPropagation();
          onCopy();
        }}
      >
        {copied ? "Copied" : "Copy"}
      </button>
    ) : null;
  return (
    <div class="pd-chat-bubble" data-index={String(index)} onClick={onSelect}>
      {body}
      {copy}
    </div>
  );
}

export function Chatbot(p: BlockProps) {
  const { props, id } = p;
  const messages = messagesOf(p.value);
  const log = useRef<HTMLDivElement>(null);
  const following = useRef(true);
  const [copied, setCopied] = useState<number | "all" | null>(null);

  // Keep the newest message in view while the visitor follows the conversation (streaming included).
  useLayoutEffect(() => {
    const el = log.current;
    if (el && props.autoscroll !== false && following.current) el.scrollTop = el.scrollHeight;
  }, [p.value, props.autoscroll]);

  useEffect(() => {
    if (copied === null) return;
    const timer = setTimeout(() => setCopied(null), 1500);
    return () => clearTimeout(timer);
  }, [copied]);

  const watermark = typeof props.watermark === "string" && props.watermark ? `\n\n${props.watermark}` : "";
  const copy = (which: number | "all") => {
    const value =
      which === "all"
        ? messages.map((m) => `${roleOf(m)}: ${messageText(m)}`).join("\n\n")
        : messageText(messages[which]);
    void copyText(value + watermark).then((ok) => ok && setCopied(which));
    p.emit("copy", { index: which === "all" ? null : which, value });
  };

  const placeholder = typeof props.placeholder === "string" && props.placeholder ? props.placeholder : null;
  const rows = messages.map((m, i) => {
    const role = roleOf(m);
    return (
      <div key={i} class={`pd-chat-message pd-chat-${role}`}>
        <Avatar props={props} role={role} />
        <Bubble
          message={m}
          index={i}
          props={props}
          copied={copied === i}
          onCopy={() => copy(i)}
          onSelect={() => p.emit("select", { index: i, value: m, selected: true })}
        />
      </div>
    );
  });
  const classes = [props.layout === "panel" ? "pd-chat-panel" : "", props.rtl === true ? "pd-rtl" : ""];
  return (
    <Block block={p} cls={classes.filter(Boolean).join(" ")}>
      <FieldLabel id={id} props={props} fallback="Chatbot" forInput={false} />
      {Array.isArray(props.buttons) && props.buttons.includes("copy_all") && messages.length ? (
        <button type="button" class="pd-chat-copy-all" aria-label="Copy conversation" onClick={() => copy("all")}>
          {copied === "all" ? "Copied" : "Copy all"}
        </button>
      ) : null}
      <div
        ref={log}
        class="pd-chat-log"
        role="log"
        aria-live="polite"
        aria-labelledby={`label-${id}`}
        tabIndex={0}
        style={logStyle(props)}
        onScroll={(e: Event) => {
          const el = e.currentTarget as HTMLDivElement;
          following.current = el.scrollHeight - el.scrollTop - el.clientHeight <= STICKY_PX;
        }}
      >
        {rows}
        {!messages.length && placeholder !== null ? (
          <div
            class="pd-chat-placeholder pd-prose"
            dangerouslySetInnerHTML={{ __html: renderMarkdown(placeholder, { sanitize: props.sanitize_html !== false }) }}
          />
        ) : null}
      </div>
    </Block>
  );
}
