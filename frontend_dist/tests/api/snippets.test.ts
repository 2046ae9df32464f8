import { describe, expect, it } from "vitest";
import { toJs, toJson, toPython } from "../../src/app/api/format";
import { apiTarget } from "../../src/app/api/info";
import { endpointSnippets, exampleValues } from "../../src/app/api/snippets";
import { info, target } from "./fixture";

const ep = (name: string) => info.named_endpoints[name];
const snippets = (name: string) => endpointSnippets(target, name, ep(name));

describe("endpoint snippets", () => {
  it("uses keyword arguments named after the function's parameters", () => {
    const s = snippets("/greet");
    expect(s.python).toBe(
      [
        "from podium.client import Client",
        "",
        'client = Client("http://127.0.0.1:7860/")',
        "result = client.predict(",
        '    name="Hello!!",',
        "    intensity=1,",
        '    api_name="/greet",',
        ")",
        "print(result)",
      ].join("\n"),
    );
    expect(s.javascript).toBe(
      [
        'import { Client } from "@gradio/client";',
        "",
        'const app = await Client.connect("http://127.0.0.1:7860/");',
        'const result = await app.predict("/greet", {',
        '  name: "Hello!!",',
        "  intensity: 1,",
        "});",
        "console.log(result.data);",
      ].join("\n"),
    );
  });

  it("writes curl as the two-step call: POST returns EVENT_ID, GET streams the result", () => {
    expect(snippets("/greet").bash).toBe(
      [
        'EVENT_ID=$(curl -s -X POST "http://127.0.0.1:7860/gradio_api/call/greet" \\',
        '  -H "Content-Type: application/json" \\',
        `  -d '{"data":["Hello!!",1]}' \\`,
        `  | awk -F'"' '{ print $4 }')`,
        'curl -sN "http://127.0.0.1:7860/gradio_api/call/greet/$EVENT_ID"',
      ].join("\n"),
    );
  });

  it("handles endpoints without parameters", () => {
    const s = snippets("/reset");
    expect(s.python).toContain('result = client.predict(api_name="/reset")\nprint(result)');
    expect(s.javascript).toContain('const result = await app.predict("/reset", {});');
    expect(s.bash).toContain(`-d '{"data":[]}'`);
  });

  it("passes file examples as handle_file(url) and imports it", () => {
    const s = snippets("/classify");
    expect(s.python.split("\n")[0]).toBe("from podium.client import Client, handle_file");
    expect(s.python).toContain('    photo=handle_file("https://example.org/bus.png"),');
    expect(s.python).toContain('    labels=["cat", "dog"],');
    expect(s.python).toContain("    strict=None,"); // no example: the default
    expect(s.javascript.split("\n")[0]).toBe('import { Client, handle_file } from "@gradio/client";');
    expect(s.javascript).toContain('  photo: handle_file("https://example.org/bus.png"),');
    expect(s.bash).toContain(
      `'{"data":[{"path":"https://example.org/bus.png","meta":{"_type":"gradio.FileData"}},["cat","dog"],null]}'`,
    );
  });

  it("goes positional when a name cannot be a Python keyword argument, and escapes odd names", () => {
    const s = snippets("/it's \"odd\" $x!");
    expect(s.python).toContain(
      ['    "it\'s",', '    "say \\"hi\\"\\n",', '    "$HOME",', '    api_name="/it\'s \\"odd\\" $x!",'].join("\n"),
    );
    // JavaScript keeps keywords, quoting the keys that are no identifiers.
    expect(s.javascript).toContain('const result = await app.predict("/it\'s \\"odd\\" $x!", {');
    expect(s.javascript).toContain('  class: "it\'s",\n  "my-arg": "say \\"hi\\"\\n",\n  api_name: "$HOME",');
    // The URL segment is percent-encoded (no quote, $ or ! left for the shell); the body's ' is escaped.
    expect(s.bash).toContain('"http://127.0.0.1:7860/gradio_api/call/it%27s%20%22odd%22%20%24x%21"');
    expect(s.bash).toContain(`-d '{"data":["it'\\''s","say \\"hi\\"\\n","$HOME"]}'`);
  });

  it("goes positional in both languages when two parameters share a name", () => {
    const s = snippets("/dupes");
    expect(s.python).toContain('    "a",\n    "b",\n    api_name="/dupes",');
    expect(s.javascript).toContain('await app.predict("/dupes", [\n  "a",\n  "b",\n]);');
  });

  it("points at the app's root, wherever it is mounted", () => {
    const s = endpointSnippets(apiTarget("https://host/sub/", "/api/"), "/greet", ep("/greet"));
    expect(s.python).toContain('Client("https://host/sub/")');
    expect(s.bash).toContain('"https://host/sub/api/call/greet"');
  });

  it("takes examples, then defaults, then None", () => {
    expect(exampleValues(ep("/classify"))).toEqual([expect.objectContaining({ path: "https://example.org/bus.png" }), ["cat", "dog"], null]);
    expect(exampleValues({ parameters: [{ parameter_has_default: true, parameter_default: 5 }], returns: [] })).toEqual([5]);
  });
});

describe("value literals", () => {
  it("writes Python", () => {
    expect(toPython({ a: [true, false, null], "b c": 1.5 })).toBe('{"a": [True, False, None], "b c": 1.5}');
    expect(toPython(Number.NaN)).toBe('float("nan")');
    expect(toPython("\u00e9\t")).toBe('"\u00e9\\t"');
  });
  it("writes JavaScript", () => {
    expect(toJs({ a: [true, null], "b c": {} })).toBe('{ a: [true, null], "b c": {} }');
    expect(toJs(-Infinity)).toBe("-Infinity");
  });
  it("writes JSON with files as FileData references to their path", () => {
    expect(toJson([{ path: "abc/x.png", url: "http://h/gradio_api/file=abc/x.png", orig_name: "x.png" }])).toBe(
      '[{"path":"abc/x.png","meta":{"_type":"gradio.FileData"}}]',
    );
  });
});
