import { toPython } from "./format";
import type { ApiEndpoint, ApiParameter, ApiTarget } from "./info";
import { LanguageTabs } from "./LanguageTabs";
import { endpointSnippets, type Language } from "./snippets";

export interface EndpointDocProps {
  index: number;
  apiName: string;
  endpoint: ApiEndpoint;
  target: ApiTarget;
  lang: Language;
  onLang: (lang: Language) => void;
}

function typeText(t: { type: string; description?: string } | undefined): string {
  if (!t) return "any";
  return t.description ? `${t.type} (${t.description})` : t.type;
}

function Parameter({ p, index }: { p: ApiParameter; index: number }) {
  return (
    <li>
      <code>{p.parameter_name || p.label || `[${index}]`}</code> <span class="pd-api-type">{typeText(p.python_type)}</span>
      {p.parameter_has_default ? (
        <span>
          {" "}
          · default <code>{toPython(p.parameter_default)}</code>
        </span>
      ) : (
        <span class="pd-api-required"> · required</span>
      )}
      <div class="pd-api-meta">
        {p.component} component{p.label ? ` "${p.label}"` : ""}
        {p.example_input !== undefined && (
          <span>
            ; example <code>{toPython(p.example_input)}</code>
          </span>
        )}
      </div>
    </li>
  );
}

/** One public endpoint: its description, snippets, parameters and return values. */
export function EndpointDoc({ index, apiName, endpoint, target, lang, onLang }: EndpointDocProps) {
  const id = `pd-api-ep-${index}`;
  const { parameters, returns } = endpoint;
  return (
    <section class="pd-api-endpoint" aria-labelledby={`${id}-title`}>
      <h3 id={`${id}-title`}>
        <code>{apiName}</code>
      </h3>
      {endpoint.description && <p>{endpoint.description}</p>}
      <LanguageTabs idPrefix={id} label={apiName} snippets={endpointSnippets(target, apiName, endpoint)} lang={lang} onLang={onLang} />
      <h4>{parameters.length ? `Parameters (${parameters.length})` : "No parameters"}</h4>
      {parameters.length > 0 && (
        <ul class="pd-api-list">
          {parameters.map((p, i) => (
            <Parameter p={p} index={i} />
          ))}
        </ul>
      )}
      <h4>{returns.length > 1 ? `Returns a tuple of ${returns.length} values` : returns.length ? "Returns" : "Returns nothing"}</h4>
      {returns.length > 0 && (
        <ul class="pd-api-list">
          {returns.map((r, i) => (
            <li>
              {returns.length > 1 && <code>[{i}] </code>}
              <span class="pd-api-type">{typeText(r.python_type)}</span>
              <div class="pd-api-meta">
                {r.component} component{r.label ? ` "${r.label}"` : ""}
              </div>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
