import "../styles/api.css";
import type { JSX } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { EndpointDoc } from "./EndpointDoc";
import type { ApiInfo, ApiTarget } from "./info";
import { startRecording } from "./recorder";
import { RecorderPanel } from "./RecorderPanel";
import type { InputMask } from "./recording";
import type { Language } from "./snippets";

export interface ApiPageProps {
  target: ApiTarget;
  /** Loads /info (the runtime's fetch); the page never touches the network itself. */
  loadInfo: () => Promise<ApiInfo>;
  mask?: InputMask;
  onClose: () => void;
}

const INSTALL: Record<Language, JSX.Element> = {
  python: (
    <p>
      <code>pip install podium</code>. The same code works with Gradio's client: <code>from gradio_client import Client</code>.
    </p>
  ),
  javascript: (
    <p>
      <code>npm i @gradio/client</code>, then run the code in an ES module (Node 18+ or the browser).
    </p>
  ),
  bash: (
    <p>
      Each call is two requests: a <code>POST</code> that returns an <code>EVENT_ID</code>, then a <code>GET</code> that
      streams the result as server-sent events.
    </p>
  ),
};

const FOCUSABLE = 'a[href], button:not([disabled]), select, input, textarea, [tabindex]:not([tabindex="-1"])';

/** The "Use via API" drawer: a modal dialog (focus stays inside, Esc closes, focus returns on close). */
export function ApiPage({ target, loadInfo, mask, onClose }: ApiPageProps) {
  const [info, setInfo] = useState<ApiInfo | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [attempt, setAttempt] = useState(0);
  const [lang, setLang] = useState<Language>("python");
  const dialog = useRef<HTMLDivElement>(null);

  useEffect(() => {
    let live = true;
    setError(null);
    loadInfo().then(
      (loaded) => live && setInfo(loaded),
      (e: unknown) => live && setError(e instanceof Error ? e.message : String(e)),
    );
    return () => {
      live = false;
    };
  }, [attempt]);

  useEffect(() => {
    const previous = document.activeElement as HTMLElement | null;
    dialog.current?.querySelector<HTMLElement>(".pd-api-close")?.focus();
    return () => previous?.focus?.();
  }, []);

  const onKeyDown = (e: JSX.TargetedKeyboardEvent<HTMLDivElement>) => {
    if (e.key === "Escape") {
      e.stopPropagation();
      onClose();
      return;
    }
    if (e.key !== "Tab") return;
    const items = Array.from(e.currentTarget.querySelectorAll<HTMLElement>(FOCUSABLE)).filter((el) => el.tabIndex >= 0);
    if (!items.length) return;
    const first = items[0];
    const last = items[items.length - 1];
    const active = document.activeElement;
    if (e.shiftKey ? active === first || !e.currentTarget.contains(active) : active === last) {
      e.preventDefault();
      (e.shiftKey ? last : first).focus();
    }
  };

  const endpoints = info ? Object.entries(info.named_endpoints) : [];
  return (
    <div class="pd-api-overlay">
      <div class="pd-api-backdrop" onClick={onClose} />
      <div class="pd-api-page" role="dialog" aria-modal="true" aria-labelledby="pd-api-title" ref={dialog} onKeyDown={onKeyDown}>
        <header class="pd-api-header">
          <h2 id="pd-api-title">Use via API</h2>
          <button type="button" class="pd-api-close" aria-label="Close the API page" onClick={onClose}>
            ×
          </button>
        </header>
        {error ? (
          <p role="alert">
            Could not load the API description ({error}).{" "}
            <button type="button" onClick={() => setAttempt(attempt + 1)}>
              Retry
            </button>
          </p>
        ) : !info ? (
          <p role="status">Loading the API description…</p>
        ) : (
          <div>
            <p>
              {endpoints.length
                ? `${endpoints.length} public endpoint${endpoints.length === 1 ? "" : "s"} at `
                : "This app has no public endpoints. Its URL: "}
              <code>{target.url}</code>
            </p>
            {INSTALL[lang]}
            <RecorderPanel
              info={info}
              target={target}
              mask={mask}
              lang={lang}
              onLang={setLang}
              onRecord={() => {
                startRecording();
                onClose();
              }}
            />
            {endpoints.map(([name, endpoint], i) => (
              <EndpointDoc index={i} apiName={name} endpoint={endpoint} target={target} lang={lang} onLang={setLang} />
            ))}
          </div>
        )}
      </div>
    </div>
  );
}
