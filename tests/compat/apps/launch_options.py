"""launch(show_error=True, max_file_size=...): exception text reaches the client; big uploads are refused."""

from pathlib import Path

import podium as gr

LAUNCH_KWARGS = {"show_error": True, "max_file_size": 1000}


def explode(text):
    raise ValueError(f"visible detail {text}")


def size_of(path):
    return Path(path).stat().st_size


with gr.Blocks() as demo:
    text = gr.Textbox(label="Text")
    out = gr.Textbox(label="Out")
    file = gr.File(label="File")
    size = gr.Number(label="Size")
    gr.Button("Explode").click(explode, text, out, api_name="explode")
    gr.Button("Size").click(size_of, file, size, api_name="size_of")

if __name__ == "__main__":
    demo.launch(**LAUNCH_KWARGS)
