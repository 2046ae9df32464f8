import type { JSX } from "preact";
import { CodeBlock } from "./CodeBlock";
import type { Language, Snippets } from "./snippets";

const LANGUAGES: Array<[Language, string]> = [
  ["python", "Python"],
  ["javascript", "JavaScript"],
  ["bash", "curl"],
];

export interface LanguageTabsProps {
  /** Unique per page: prefixes the tab and panel ids. */
  idPrefix: string;
  /** What the code is, for labels ("/greet", "recorded calls"). */
  label: string;
  snippets: Snippets;
  lang: Language;
  onLang: (lang: Language) => void;
}

/** Python / JavaScript / curl tabs over a snippet; arrow keys move between tabs. */
export function LanguageTabs({ idPrefix, label, snippets, lang, onLang }: LanguageTabsProps) {
  const onKeyDown = (e: JSX.TargetedKeyboardEvent<HTMLDivElement>) => {
    const step = e.key === "ArrowRight" ? 1 : e.key === "ArrowLeft" ? -1 : 0;
    if (!step) return;
    e.preventDefault();
    const i = LANGUAGES.findIndex(([l]) => l === lang);
    const next = LANGUAGES[(i + step + LANGUAGES.length) % LANGUAGES.length][0];
    onLang(next);
    (e.currentTarget.querySelector(`#${idPrefix}-tab-${next}`) as HTMLElement | null)?.focus();
  };
  return (
    <div class="pd-api-tabs">
      <div role="tablist" aria-label={`Language for ${label}`} onKeyDown={onKeyDown}>
        {LANGUAGES.map(([l, name]) => (
          <button
            type="button"
            role="tab"
            id={`${idPrefix}-tab-${l}`}
            aria-selected={l === lang}
            aria-controls={`${idPrefix}-panel`}
            tabIndex={l === lang ? 0 : -1}
            onClick={() => onLang(l)}
          >
            {name}
          </button>
        ))}
      </div>
      <div role="tabpanel" id={`${idPrefix}-panel`} aria-labelledby={`${idPrefix}-tab-${lang}`}>
        <CodeBlock code={snippets[lang]} label={`${LANGUAGES.find(([l]) => l === lang)?.[1]} code for ${label}`} />
      </div>
    </div>
  );
}
