"""Files both ways: gr.File in and out (single and multiple), UploadButton's upload event, DownloadButton."""

import tempfile
from pathlib import Path

import podium as gr

OUTPUT_DIR = Path(tempfile.mkdtemp(prefix="compat-files-"))


def describe(path):
    data = Path(path).read_bytes()
    return f"{Path(path).name}:{len(data)}:{data.decode()}"


def make_file(text):
    path = OUTPUT_DIR / "made.txt"
    path.write_text(text)
    return str(path)


def upper_copy(path):
    source = Path(path)
    target = OUTPUT_DIR / f"upper-{source.name}"
    target.write_text(source.read_text().upper())
    return str(target)


def make_files(text):
    paths = []
    for i in range(2):
        path = OUTPUT_DIR / f"part{i}.txt"
        path.write_text(f"{text}{i}")
        paths.append(str(path))
    return paths


def leak(text):
    return "/etc/passwd"  # outside the working directory and the temp directory: must not be served


def stream_files(text):
    for i in range(3):
        path = OUTPUT_DIR / f"stream{i}.txt"
        path.write_text(f"{text} {i}")
        yield str(path)


def count_files(paths):
    return ",".join(sorted(Path(p).read_text() for p in paths))


def uploaded(path):
    return f"uploaded {Path(path).read_text()}"


def prepare_download(text):
    path = OUTPUT_DIR / "download.txt"
    path.write_text(text * 2)
    return str(path)


with gr.Blocks() as demo:
    file_in = gr.File(label="Input file", type="filepath")
    files_in = gr.File(label="Input files", file_count="multiple")
    text = gr.Textbox(label="Text")
    summary = gr.Textbox(label="Summary")
    file_out = gr.File(label="Output file")
    files_out = gr.File(label="Output files", file_count="multiple")
    upload = gr.UploadButton("Upload a file", file_count="single")
    download = gr.DownloadButton("Download")
    go = gr.Button("Go")
    go.click(describe, file_in, summary, api_name="describe")
    go.click(make_file, text, file_out, api_name="make_file")
    go.click(upper_copy, file_in, file_out, api_name="upper_copy")
    go.click(count_files, files_in, summary, api_name="count_files")
    go.click(make_files, text, files_out, api_name="make_files")
    go.click(leak, text, file_out, api_name="leak")
    go.click(stream_files, text, file_out, api_name="stream_files")
    file_in.upload(describe, file_in, summary, api_name="on_upload")
    upload.upload(uploaded, upload, summary, api_name="upload_button")
    go.click(prepare_download, text, download, api_name="prepare_download")

if __name__ == "__main__":
    demo.launch()
