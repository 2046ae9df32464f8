import { beforeEach, describe, expect, it } from "vitest";
import {
  clearRecording,
  record,
  recorderState,
  startRecording,
  stopRecording,
  subscribe,
  type RecorderState,
} from "../../src/app/api/recorder";
import { inputMaskFromConfig, toSnippetCalls } from "../../src/app/api/recording";
import { callSnippets } from "../../src/app/api/snippets";
import type { AppConfig, DependencyConfig } from "../../src/app/types";
import { info, target } from "./fixture";

const dep = (id: number, inputs: number[], api_name: string | null) => ({ id, inputs, api_name }) as DependencyConfig;

// Like docs/examples/blocks_counter plus /classify: State (id 2) is an input of /greet.
const config: Pick<AppConfig, "components" | "dependencies"> = {
  components: [
    { id: 1, type: "textbox", props: {} },
    { id: 2, type: "state", props: {}, skip_api: true },
    { id: 3, type: "slider", props: {} },
    { id: 5, type: "image", props: {} },
    { id: 6, type: "dropdown", props: {} },
    { id: 7, type: "checkbox", props: {} },
  ],
  dependencies: [dep(0, [1, 2, 3], "greet"), dep(1, [], "reset"), dep(2, [5, 6, 7], "classify"), dep(3, [1], null)],
};

const upload = {
  path: "3f2a/cat.png",
  url: "http://127.0.0.1:7860/gradio_api/file=3f2a/cat.png",
  orig_name: "cat.png",
  size: 10,
  mime_type: "image/png",
  meta: { _type: "gradio.FileData" },
};

beforeEach(() => {
  stopRecording();
  clearRecording();
});

describe("recorder", () => {
  it("keeps calls only while recording, and tells subscribers", () => {
    const seen: RecorderState[] = [];
    const unsubscribe = subscribe((s) => seen.push(s));
    record({ apiName: "greet", fnIndex: 0, data: ["ignored", null, 1] });
    expect(recorderState().calls).toHaveLength(0);

    startRecording();
    record({ apiName: "greet", fnIndex: 0, data: ["Ada", null, 3] });
    record({ apiName: null, fnIndex: 3, data: ["no api_name: never public"] });
    stopRecording();
    record({ apiName: "greet", fnIndex: 0, data: ["late", null, 1] });
    unsubscribe();
    record({ apiName: "greet", fnIndex: 0, data: ["unseen", null, 1] });

    expect(recorderState()).toEqual({ recording: false, calls: [{ apiName: "greet", fnIndex: 0, data: ["Ada", null, 3] }] });
    expect(seen.map((s) => [s.recording, s.calls.length])).toEqual([
      [true, 0],
      [true, 1],
      [false, 1],
    ]);
  });

  it("snapshots the data, so later changes in the UI do not rewrite the recording", () => {
    startRecording();
    const data = [["a"]];
    record({ apiName: "x", fnIndex: 0, data });
    data[0].push("b");
    expect(recorderState().calls[0].data).toEqual([["a"]]);
  });

  it("starts each recording empty", () => {
    startRecording();
    record({ apiName: "reset", fnIndex: 1, data: [] });
    startRecording();
    expect(recorderState().calls).toEqual([]);
  });
});

describe("recorded calls as code", () => {
  const calls = [
    { apiName: "greet", fnIndex: 0, data: ["Ada", ["state", "value"], 3] },
    { apiName: null, fnIndex: 3, data: ["no api name"] }, // not public: left out
    { apiName: "classify", fnIndex: 2, data: [upload, ["cat"], true] },
    { apiName: "reset", fnIndex: 1, data: [] },
  ];

  it("drops State inputs and non-public calls", () => {
    const out = toSnippetCalls(info, calls, inputMaskFromConfig(config));
    expect(out.map((c) => [c.apiName, c.values])).toEqual([
      ["/greet", ["Ada", 3]],
      ["/classify", [upload, ["cat"], true]],
      ["/reset", []],
    ]);
  });

  it("without the config, trusts the parameter count of /info", () => {
    const out = toSnippetCalls(info, [{ apiName: "/greet", fnIndex: 0, data: ["Ada", 3, "trailing state"] }]);
    expect(out[0].values).toEqual(["Ada", 3]);
  });

  it("writes the sequence for Python, JavaScript and curl", () => {
    const s = callSnippets(target, toSnippetCalls(info, calls, inputMaskFromConfig(config)), "rec123");
    expect(s.python).toBe(
      [
        "from podium.client import Client, handle_file",
        "",
        'client = Client("http://127.0.0.1:7860/")',
        "result = client.predict(",
        '    name="Ada",',
        "    intensity=3,",
        '    api_name="/greet",',
        ")",
        "print(result)",
        "result = client.predict(",
        '    photo=handle_file("http://127.0.0.1:7860/gradio_api/file=3f2a/cat.png"),',
        '    labels=["cat"],',
        "    strict=True,",
        '    api_name="/classify",',
        ")",
        "print(result)",
        'result = client.predict(api_name="/reset")',
        "print(result)",
      ].join("\n"),
    );
    expect(s.javascript).toContain('const result1 = await app.predict("/greet", {\n  name: "Ada",\n  intensity: 3,\n});');
    expect(s.javascript).toContain("console.log(result1.data);");
    expect(s.javascript).toContain('  photo: handle_file("http://127.0.0.1:7860/gradio_api/file=3f2a/cat.png"),');
    expect(s.javascript).toContain('const result3 = await app.predict("/reset", {});\nconsole.log(result3.data);');
    // curl: one session for all the calls, so State carries over; the upload is sent by its server path.
    const posts = s.bash.split("\n\n");
    expect(posts).toHaveLength(3);
    expect(posts[0]).toContain(`-d '{"data":["Ada",3],"session_hash":"rec123"}'`);
    expect(posts[1]).toContain(
      `-d '{"data":[{"path":"3f2a/cat.png","meta":{"_type":"gradio.FileData"}},["cat"],true],"session_hash":"rec123"}'`,
    );
    expect(posts[2]).toContain('curl -sN "http://127.0.0.1:7860/gradio_api/call/reset/$EVENT_ID"');
  });
});
