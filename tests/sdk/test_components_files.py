"""File, UploadButton and DownloadButton: FileData in, paths out (and back)."""

from __future__ import annotations

from pathlib import Path

import pytest

import podium as gr
from podium.files.filedata import FILE_DATA_SCHEMA, file_data, is_file_data


@pytest.fixture
def text_file(tmp_path: Path) -> Path:
    path = tmp_path / "hello.txt"
    path.write_text("hello world")
    return path


def test_file_defaults_and_options() -> None:
    config = gr.File(render=False).get_config()
    assert (config["file_count"], config["type"], config["value"]) == ("single", "filepath", None)
    assert gr.File.EVENTS == ("change", "select", "clear", "upload", "delete", "download")
    with pytest.raises(ValueError, match="file_count"):
        gr.File(file_count="some", render=False)
    with pytest.raises(ValueError, match="type"):
        gr.File(type="pil", render=False)
    with pytest.raises(ValueError, match="must be a list"):
        gr.File(file_types=".pdf", render=False)  # type: ignore[arg-type]


def test_file_preprocess_gives_path_with_name(text_file: Path) -> None:
    value = gr.File(render=False).preprocess(file_data(str(text_file), orig_name="hello.txt"))
    assert value == str(text_file) and value.name == str(text_file)
    assert open(value.name).read() == "hello world"


def test_file_preprocess_binary_and_multiple(text_file: Path) -> None:
    payload = file_data(str(text_file))
    assert gr.File(type="binary", render=False).preprocess(payload) == b"hello world"
    assert gr.File(file_count="multiple", render=False).preprocess([payload, payload]) == [str(text_file)] * 2
    assert gr.File(file_count="directory", render=False).preprocess(payload) == [str(text_file)]
    assert gr.File(render=False).preprocess([payload]) == str(text_file)
    assert gr.File(render=False).preprocess(None) is None


def test_file_preprocess_checks_file_types(text_file: Path) -> None:
    payload = file_data(str(text_file), orig_name="hello.txt")
    assert gr.File(file_types=[".txt"], render=False).preprocess(payload) == str(text_file)
    assert gr.File(file_types=["text"], render=False).preprocess(payload) == str(text_file)
    with pytest.raises(gr.Error, match="Invalid file type"):
        gr.File(file_types=[".pdf", "image"], render=False).preprocess(payload)
    with pytest.raises(gr.Error, match="expects a file"):
        gr.File(render=False).preprocess({"path": str(text_file)})  # no FileData meta


def test_file_postprocess_gives_filedata_with_local_path(text_file: Path) -> None:
    payload = gr.File(render=False).postprocess(str(text_file))
    assert is_file_data(payload)
    assert (payload["path"], payload["orig_name"], payload["size"]) == (str(text_file), "hello.txt", 11)
    assert gr.File(render=False).postprocess(text_file) == payload  # pathlib.Path works too
    many = gr.File(file_count="multiple", render=False).postprocess([str(text_file), text_file])
    assert [p["path"] for p in many] == [str(text_file)] * 2
    given = file_data(str(text_file), orig_name="renamed.txt")
    assert gr.File(render=False).postprocess(given)["orig_name"] == "renamed.txt"
    assert gr.File(render=False).postprocess(None) is None
    with pytest.raises(gr.Error, match="file path"):
        gr.File(render=False).postprocess(b"bytes")


def test_file_round_trip(text_file: Path) -> None:
    component = gr.File(render=False)
    assert component.preprocess(component.postprocess(str(text_file))) == str(text_file)


def test_file_schema_single_and_multiple() -> None:
    assert gr.File(render=False).api_info() == FILE_DATA_SCHEMA
    multiple = gr.File(file_count="multiple", render=False).api_info()
    assert multiple["type"] == "array" and multiple["items"] == FILE_DATA_SCHEMA
    example = gr.File(render=False).example_payload()
    assert example["meta"] == {"_type": "gradio.FileData"} and example["path"].startswith("https://")


def test_upload_button(text_file: Path) -> None:
    button = gr.UploadButton("Pick", file_count="multiple", render=False)
    config = button.get_config()
    assert (config["label"], config["name"], config["file_count"]) == ("Pick", "uploadbutton", "multiple")
    assert button.skip_api is False and gr.UploadButton.EVENTS == ("change", "click", "upload")
    assert button.preprocess([file_data(str(text_file))]) == [str(text_file)]
    assert button.api_info()["type"] == "array"


def test_download_button(text_file: Path) -> None:
    button = gr.DownloadButton("Get it", value=str(text_file), render=False)
    assert button.value["path"] == str(text_file) and button.get_config()["label"] == "Get it"
    assert button.postprocess([str(text_file)])["orig_name"] == "hello.txt"
    assert button.preprocess(file_data(str(text_file))) == str(text_file)
    assert button.api_info() == FILE_DATA_SCHEMA and button.skip_api is False
