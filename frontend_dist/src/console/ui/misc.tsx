/** Small pieces every page uses: copy button, empty state, spinner, error note, not-found page, times. */
import type { ComponentChildren } from "preact";
import { useState } from "preact/hooks";
import { ApiError } from "../api";
import { Link } from "../router";
import { Button, errorText } from "./button";
import { toast } from "./toast";

/** Copy `text` to the clipboard (the Clipboard API, else a hidden textarea). */
export async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    const area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    const done = document.execCommand("copy");
    area.remove();
    return done;
  }
}

export function CopyButton({ text, label = "Copy" }: { text: string; label?: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <Button
      variant="ghost"
      class="pc-copy"
      data-copy={text}
      onClick={async () => {
        if (await copyText(text)) {
          setCopied(true);
          setTimeout(() => setCopied(false), 1500);
        } else toast.error("Could not copy; select the text and copy it by hand");
      }}
    >
      {copied ? "Copied" : label}
    </Button>
  );
}

/** A command or secret in a box, with a copy button. */
export function CodeLine({ text, label }: { text: string; label?: string }) {
  return (
    <div class="pc-codeline">
      <code>{text}</code>
      <CopyButton text={text} label={label} />
    </div>
  );
}

export function Spinner({ label = "Loading" }: { label?: string }) {
  return (
    <div class="pc-loading" role="status">
      <span class="pc-spinner" aria-hidden="true" />
      <span>{label}…</span>
    </div>
  );
}

export function Empty({ title, children }: { title: string; children?: ComponentChildren }) {
  return (
    <div class="pc-empty">
      <p class="pc-empty-title">{title}</p>
      {children}
    </div>
  );
}

export function ErrorNote({ error, retry }: { error: unknown; retry?: () => void }) {
  return (
    <div class="pc-error-note" role="alert">
      <p>{errorText(error)}</p>
      {retry && <Button onClick={retry}>Try again</Button>}
    </div>
  );
}

export function NotFound({ what = "page" }: { what?: string }) {
  return (
    <div class="pc-not-found" data-testid="not-found">
      <h1>Not found</h1>
      <p>
        There is no such {what}, or you may not see it. If someone sent you this link, check that you are signed in
        with the right account.
      </p>
      <Link href="/">Back to your Spaces</Link>
    </div>
  );
}

/** Loading, error (404 as the not-found page) or the content. */
export function Loaded<T>({ resource, what, children }: {
  resource: { data: T | undefined; error: ApiError | null; loading: boolean; reload: () => Promise<void> };
  what?: string;
  children: (data: T) => ComponentChildren;
}) {
  if (resource.data !== undefined) return <>{children(resource.data)}</>;
  if (resource.error?.status === 404) return <NotFound what={what} />;
  if (resource.error) return <ErrorNote error={resource.error} retry={() => void resource.reload()} />;
  return <Spinner />;
}

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ["year", 365 * 86400],
  ["month", 30 * 86400],
  ["week", 7 * 86400],
  ["day", 86400],
  ["hour", 3600],
  ["minute", 60],
  ["second", 1],
];

/** "3 minutes ago", "in 2 days" for an ISO time, relative to `now` (ms). */
export function relativeTime(iso: string, now: number = Date.now()): string {
  const seconds = Math.round((Date.parse(iso) - now) / 1000);
  const format = new Intl.RelativeTimeFormat("en", { numeric: "auto" });
  for (const [unit, size] of UNITS) {
    if (Math.abs(seconds) >= size || unit === "second") return format.format(Math.trunc(seconds / size), unit);
  }
  return "";
}

/** A `<time>` showing a relative time, with the exact one as its tooltip. */
export function Time({ iso }: { iso: string | null | undefined }) {
  if (!iso) return <span class="pc-muted">never</span>;
  return (
    <time dateTime={iso} title={new Date(iso).toLocaleString()}>
      {relativeTime(iso)}
    </time>
  );
}

/** A titled block of a page. */
export function Section({ title, actions, children, id }: {
  title: string;
  actions?: ComponentChildren;
  children?: ComponentChildren;
  id?: string;
}) {
  return (
    <section class="pc-section" aria-labelledby={id ? `${id}-title` : undefined} id={id}>
      <header class="pc-section-header">
        <h2 id={id ? `${id}-title` : undefined}>{title}</h2>
        {actions && <div class="pc-section-actions">{actions}</div>}
      </header>
      {children}
    </section>
  );
}
