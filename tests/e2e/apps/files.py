"""Files both ways: a gr.File input whose upload event describes the file, a button that makes a file to
download."""

import tempfile
from pathlib import Path

import podium as gr

OUTPUT_DIR = Path(tempfile.mkdtemp(prefix="e2e-files-"))


def describe(path):
    if path is None:
        return "no file"
    data = Path(path).read_bytes()
    return f"{Path(path).name}:{len(data)}:{data.decode()}"


def make_file(text):
    path = OUTPUT_DIR / "made.txt"
    path.write_text(f"made from {text}")
    return str(path)


with gr.Blocks(title="Files") as demo:
    file_in = gr.File(label="Input file", type="filepath")
    summary = gr.Textbox(label="Summary")
    text = gr.Textbox(label="Text", value="podium")
    make = gr.Button("Make file")
    file_out = gr.File(label="Output file")
    file_in.upload(describe, file_in, summary, api_name="describe")
    make.click(make_file, text, file_out, api_name="make_file")

if __name__ == "__main__":
    demo.launch()
