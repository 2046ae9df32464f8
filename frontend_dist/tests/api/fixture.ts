/** An /info answer covering the cases the snippets must handle (shapes as Podium and Gradio 6 send them). */
import type { ApiInfo } from "../../src/app/api/info";
import { apiTarget } from "../../src/app/api/info";

export const target = apiTarget("http://127.0.0.1:7860", "/gradio_api");

const str = { type: "str", description: "" };

export const FILE_EXAMPLE = {
  path: "https://example.org/bus.png",
  url: "https://example.org/bus.png",
  orig_name: "bus.png",
  size: null,
  mime_type: null,
  is_stream: false,
  meta: { _type: "gradio.FileData" },
};

export const info: ApiInfo = {
  named_endpoints: {
    "/greet": {
      description: "Greets `name`.",
      parameters: [
        {
          label: "name",
          parameter_name: "name",
          parameter_has_default: true,
          parameter_default: "World",
          python_type: str,
          component: "Textbox",
          example_input: "Hello!!",
        },
        {
          label: "intensity",
          parameter_name: "intensity",
          parameter_has_default: true,
          parameter_default: 2,
          python_type: { type: "float", description: "" },
          component: "Slider",
          example_input: 1,
        },
      ],
      returns: [{ label: "greeting", python_type: str, component: "Textbox" }],
    },
    "/reset": { parameters: [], returns: [{ label: "summary", python_type: str, component: "Textbox" }] },
    "/classify": {
      parameters: [
        {
          label: "photo",
          parameter_name: "photo",
          parameter_has_default: false,
          parameter_default: null,
          python_type: { type: "filepath", description: "" },
          component: "Image",
          example_input: FILE_EXAMPLE,
        },
        {
          label: "labels",
          parameter_name: "labels",
          parameter_has_default: false,
          python_type: { type: "list[str]", description: "" },
          component: "Dropdown",
          example_input: ["cat", "dog"],
        },
        {
          label: "strict",
          parameter_name: "strict",
          parameter_has_default: true,
          parameter_default: null,
          python_type: { type: "bool", description: "" },
          component: "Checkbox",
        },
      ],
      returns: [
        { label: "label", python_type: { type: "dict", description: "" }, component: "Label" },
        { label: "mask", python_type: { type: "filepath", description: "" }, component: "Image" },
      ],
    },
    // Names that are no Python keyword argument: a keyword, a dash, and predict()'s own `api_name`.
    "/it's \"odd\" $x!": {
      parameters: [
        { label: "class", parameter_name: "class", python_type: str, component: "Textbox", example_input: "it's" },
        { label: "my-arg", parameter_name: "my-arg", python_type: str, component: "Textbox", example_input: 'say "hi"\n' },
        { label: "api_name", parameter_name: "api_name", python_type: str, component: "Textbox", example_input: "$HOME" },
      ],
      returns: [],
    },
    "/dupes": {
      parameters: [
        { label: "a", parameter_name: "x", python_type: str, component: "Textbox", example_input: "a" },
        { label: "b", parameter_name: "x", python_type: str, component: "Textbox", example_input: "b" },
      ],
      returns: [],
    },
  },
  unnamed_endpoints: {},
};
