import { describe, expect, it } from "vitest";
import { applyDiff, type DiffEdit } from "../../src/app/runtime/diff";

describe("applyDiff (wire protocol 3.4)", () => {
  it("rebuilds the spec's streamed string: 0, 01, 012", () => {
    let value: unknown = "0";
    value = applyDiff(value, [["append", [], "1"]]);
    expect(value).toBe("01");
    value = applyDiff(value, [["append", [], "2"]]);
    expect(value).toBe("012");
  });

  it("adds a chatbot message at a list index", () => {
    const history = [{ role: "user", content: "hi" }];
    const next = applyDiff(history, [["add", [1], { role: "assistant", content: "hello" }]]);
    expect(next).toEqual([
      { role: "user", content: "hi" },
      { role: "assistant", content: "hello" },
    ]);
    expect(history).toHaveLength(1); // the previous value is left as it was
  });

  it("replaces the root and nested values", () => {
    expect(applyDiff("old", [["replace", [], { a: 1 }]])).toEqual({ a: 1 });
    expect(applyDiff({ a: { b: [1, 2, 3] } }, [["replace", ["a", "b", 1], 20]])).toEqual({ a: { b: [1, 20, 3] } });
  });

  it("appends to nested strings and lists", () => {
    const previous = [["hi", "Hel"]];
    expect(applyDiff(previous, [["append", [0, 1], "lo"]])).toEqual([["hi", "Hello"]]);
    expect(applyDiff({ xs: [1] }, [["append", ["xs"], [2, 3]]])).toEqual({ xs: [1, 2, 3] });
    expect(applyDiff([1], [["append", [], [2]]])).toEqual([1, 2]);
  });

  it("adds and deletes dict keys", () => {
    expect(applyDiff({ a: 1 }, [["add", ["b"], 2]])).toEqual({ a: 1, b: 2 });
    expect(applyDiff({ a: 1, b: 2 }, [["delete", ["a"], null]])).toEqual({ b: 2 });
  });

  it("deletes list items in order with indices already adjusted by the server", () => {
    // [a, b, c, d] -> [a, d]: the server sends delete 1, then delete 1 again.
    const edits: DiffEdit[] = [
      ["delete", [1], null],
      ["delete", [1], null],
    ];
    expect(applyDiff(["a", "b", "c", "d"], edits)).toEqual(["a", "d"]);
  });

  it("applies several edits in order, deep in the structure", () => {
    const previous = { rows: [{ cells: ["x"] }], n: 1 };
    const next = applyDiff(previous, [
      ["append", ["rows", 0, "cells", 0], "y"],
      ["add", ["rows", 1], { cells: [] }],
      ["replace", ["n"], 2],
    ]);
    expect(next).toEqual({ rows: [{ cells: ["xy"] }, { cells: [] }], n: 2 });
    expect(previous).toEqual({ rows: [{ cells: ["x"] }], n: 1 });
  });

  it("leaves a value alone for an empty edit list", () => {
    expect(applyDiff([1, 2], [])).toEqual([1, 2]);
  });
});
