// The TypeScript renderer and its Python twin (sdk/podium/ssr/markdown.py) must give the same HTML:
// tests/sdk/test_ssr_markdown.py runs the same cases.
import { describe, expect, it } from "vitest";
import { renderMarkdown } from "../../src/app/components/markdown";
import data from "./markdown_cases.json";

interface Case {
  name: string;
  markdown: string;
  options: { sanitize?: boolean; lineBreaks?: boolean };
  html: string;
}

const cases = data as Case[];

describe("renderMarkdown", () => {
  it.each(cases.map((c) => [c.name, c] as const))("%s", (_name, c) => {
    expect(renderMarkdown(c.markdown, c.options)).toBe(c.html);
  });

  it("never lets a script tag or an event handler through", () => {
    const html = renderMarkdown('<script>x</script><img src=x onerror="alert(1)"><a href="javascript:x">a</a>');
    expect(html).not.toMatch(/<script|onerror|javascript:/i);
  });
});
