/** Ready-to-copy client code: one endpoint (the API page) or a recorded sequence of calls (the recorder). */

import type { ApiEndpoint, ApiTarget } from "./info";
import {
  containsFile,
  isPythonKeywordArg,
  jsKey,
  pathSegment,
  shellDoubleQuoted,
  shellSingleQuote,
  str,
  toJs,
  toJson,
  toPython,
} from "./format";

export type Language = "python" | "javascript" | "bash";

export type Snippets = Record<Language, string>;

/** One call to write as code: the endpoint key from /info ("/greet"), its description, the input values. */
export interface SnippetCall {
  apiName: string;
  endpoint: ApiEndpoint;
  values: unknown[];
}

/** The values an endpoint's snippet shows: each parameter's example, else its default. */
export function exampleValues(endpoint: ApiEndpoint): unknown[] {
  return endpoint.parameters.map((p) =>
    p.example_input !== undefined ? p.example_input : p.parameter_has_default ? p.parameter_default : null,
  );
}

/** The parameter names to use as keywords, or null when the values must go positionally. */
function keywordNames(call: SnippetCall, valid: (name: string) => boolean): string[] | null {
  const { parameters } = call.endpoint;
  if (parameters.length !== call.values.length) return null;
  const names = parameters.map((p) => p.parameter_name ?? "");
  const ok = names.every(valid) && new Set(names).size === names.length;
  return ok ? names : null;
}

function pythonCall(call: SnippetCall): string {
  const api = `api_name=${str(call.apiName)}`;
  if (call.values.length === 0) return `result = client.predict(${api})`;
  const names = keywordNames(call, isPythonKeywordArg);
  const args = call.values.map((v, i) => `    ${names ? names[i] + "=" : ""}${toPython(v)},`);
  return ["result = client.predict(", ...args, `    ${api},`, ")"].join("\n");
}

function jsCall(call: SnippetCall, result: string): string {
  const head = `const ${result} = await app.predict(${str(call.apiName)}`;
  if (call.values.length === 0) return `${head}, {});`;
  const names = keywordNames(call, (n) => n !== "");
  const items = call.values.map((v, i) => `  ${names ? jsKey(names[i]) + ": " : ""}${toJs(v)},`);
  return [`${head}, ${names ? "{" : "["}`, ...items, `${names ? "}" : "]"});`].join("\n");
}

function curlCall(target: ApiTarget, call: SnippetCall, sessionHash?: string): string {
  const url = shellDoubleQuoted(`${target.url.replace(/\/$/, "")}${target.apiPrefix}/call/${pathSegment(call.apiName.replace(/^\//, ""))}`);
  const body = toJson(sessionHash ? { data: call.values, session_hash: sessionHash } : { data: call.values });
  return [
    `EVENT_ID=$(curl -s -X POST "${url}" \\`,
    `  -H "Content-Type: application/json" \\`,
    `  -d ${shellSingleQuote(body)} \\`,
    `  | awk -F'"' '{ print $4 }')`,
    `curl -sN "${url}/$EVENT_ID"`,
  ].join("\n");
}

/** Code for a sequence of calls in one session (one endpoint's snippet is a sequence of one). */
export function callSnippets(target: ApiTarget, calls: SnippetCall[], sessionHash?: string): Snippets {
  const files = calls.some((c) => containsFile(c.values));
  const client = str(target.url);
  const python = [
    `from podium.client import Client${files ? ", handle_file" : ""}`,
    "",
    `client = Client(${client})`,
    ...calls.map((c) => `${pythonCall(c)}\nprint(result)`),
  ];
  const numbered = calls.length > 1;
  const javascript = [
    `import { Client${files ? ", handle_file" : ""} } from "@gradio/client";`,
    "",
    `const app = await Client.connect(${client});`,
    ...calls.map((c, i) => {
      const result = numbered ? `result${i + 1}` : "result";
      return `${jsCall(c, result)}\nconsole.log(${result}.data);`;
    }),
  ];
  const bash = calls.map((c) => curlCall(target, c, sessionHash));
  return { python: python.join("\n"), javascript: javascript.join("\n"), bash: bash.join("\n\n") };
}

/** The snippets for one endpoint of /info, filled with its example values. */
export function endpointSnippets(target: ApiTarget, apiName: string, endpoint: ApiEndpoint): Snippets {
  return callSnippets(target, [{ apiName, endpoint, values: exampleValues(endpoint) }]);
}
