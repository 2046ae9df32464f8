"""Files both ways: a gr.File input whose upload event describes the file, a button that makes a file to
download, an UploadButton, and a DownloadButton that a handler fills."""

import tempfile
from pathlib import Path

import podium as gr

OUTPUT_DIR = Path(tempfile.mkdtemp(prefix="e2e-files-"))


def describe(path):
    if path is None:
        return "no file"
    data = Path(path).read_bytes()
    return f"{Path(path).name}:{len(data)}:{data.decode()}"


def uploaded(path):
    return f"uploaded {Path(path).name}: {Path(path).read_text()}"


def prepare_download(text):
    path = OUTPUT_DIR / "download.txt"
    path.write_text(f"download of {text}")
    return str(path)


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
    upload_button = gr.UploadButton("Upload with a button")
    prepare = gr.Button("Prepare download")
    download_button = gr.DownloadButton("Download it")
    file_in.upload(describe, file_in, summary, api_name="describe")
    make.click(make_file, text, file_out, api_name="make_file")
    upload_button.upload(uploaded, upload_button, summary, api_name="upload_button")
    prepare.click(prepare_download, text, download_button, api_name="prepare_download")

if __name__ == "__main__":
    demo.launch()
