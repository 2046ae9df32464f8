/** Turns recorded calls into snippet calls: public endpoints only, without State (skip_api) inputs. */

import type { AppConfig, RecordedCall } from "../types";
import type { ApiInfo } from "./info";
import type { SnippetCall } from "./snippets";

/** For a dependency (fn_index), which of its inputs the API shows; undefined when unknown. */
export type InputMask = (fnIndex: number) => boolean[] | undefined;

/** The input mask from the page's config: inputs whose component is `skip_api` (State, ...) are hidden. */
export function inputMaskFromConfig(config: Pick<AppConfig, "components" | "dependencies">): InputMask {
  const skipped = new Set(config.components.filter((c) => c.skip_api).map((c) => c.id));
  return (fnIndex) => {
    const dep = config.dependencies.find((d) => d.id === fnIndex) ?? config.dependencies[fnIndex];
    return dep?.inputs.map((id) => !skipped.has(id));
  };
}

export function toSnippetCalls(info: ApiInfo, calls: readonly RecordedCall[], mask?: InputMask): SnippetCall[] {
  const out: SnippetCall[] = [];
  for (const call of calls) {
    if (!call.apiName) continue;
    const apiName = "/" + call.apiName.replace(/^\//, "");
    const endpoint = info.named_endpoints[apiName];
    if (!endpoint) continue; // not a public endpoint
    const visible = mask?.(call.fnIndex);
    let values = visible ? call.data.filter((_, i) => visible[i] ?? true) : call.data;
    // Without a mask, trust /info's parameter count: skipped inputs are usually trailing State.
    if (!visible && values.length > endpoint.parameters.length) values = values.slice(0, endpoint.parameters.length);
    out.push({ apiName, endpoint, values });
  }
  return out;
}
