"""Files up (`handle_file`) and down (returned paths are local copies with the right content)."""

from pathlib import Path

import httpx
import pytest
from gradio_client import handle_file
from gradio_client.exceptions import AppError


@pytest.fixture(scope="module")
def files_app(running_apps):
    return running_apps.get("files_app")


@pytest.fixture
def hello_file(tmp_path):
    path = tmp_path / "hello.txt"
    path.write_text("hi there")
    return path


def test_upload_a_file(files_app, make_client, hello_file):
    assert make_client(files_app).predict(handle_file(str(hello_file)), api_name="/describe") == "hello.txt:8:hi there"


def test_file_names_with_spaces_and_unicode_survive(files_app, make_client, tmp_path):
    odd = tmp_path / "my file ü.txt"
    odd.write_text("hello")
    client = make_client(files_app)
    assert client.predict(handle_file(str(odd)), api_name="/describe") == "my file ü.txt:5:hello"
    result = Path(client.predict(handle_file(str(odd)), api_name="/upper_copy"))
    assert (result.name, result.read_text()) == ("upper-my file ü.txt", "HELLO")


def test_keyword_file_argument(files_app, make_client, hello_file):
    assert (
        make_client(files_app).predict(path=handle_file(str(hello_file)), api_name="/describe")
        == "hello.txt:8:hi there"
    )


def test_download_a_file(files_app, make_client, tmp_path):
    result = make_client(files_app).predict("made here", api_name="/make_file")
    local = Path(result)
    assert local.is_file()
    assert local.name == "made.txt"
    assert local.read_text() == "made here"
    assert (tmp_path / "downloads") in local.parents


def test_file_round_trip(files_app, make_client, hello_file):
    result = make_client(files_app).predict(handle_file(str(hello_file)), api_name="/upper_copy")
    assert Path(result).name == "upper-hello.txt"
    assert Path(result).read_text() == "HI THERE"


def test_multiple_files(files_app, make_client, tmp_path):
    (tmp_path / "a.txt").write_text("A")
    (tmp_path / "b.txt").write_text("B")
    files = [handle_file(str(tmp_path / "b.txt")), handle_file(str(tmp_path / "a.txt"))]
    assert make_client(files_app).predict(files, api_name="/count_files") == "A,B"


def test_download_several_files(files_app, make_client, tmp_path):
    result = make_client(files_app).predict("p", api_name="/make_files")
    assert [Path(p).name for p in result] == ["part0.txt", "part1.txt"]
    assert [Path(p).read_text() for p in result] == ["p0", "p1"]
    assert all((tmp_path / "downloads") in Path(p).parents for p in result)


def test_streamed_files_are_each_downloaded(files_app, make_client):
    job = make_client(files_app).submit("s", api_name="/stream_files")
    final = job.result(timeout=60)
    assert [Path(p).read_text() for p in job.outputs()] == ["s 0", "s 1", "s 2"]
    assert Path(final).name == "stream2.txt"


def test_upload_event_of_file_and_upload_button(files_app, make_client, hello_file):
    client = make_client(files_app)
    assert client.predict(handle_file(str(hello_file)), api_name="/on_upload") == "hello.txt:8:hi there"
    assert client.predict(handle_file(str(hello_file)), api_name="/upload_button") == "uploaded hi there"


def test_download_button_output(files_app, make_client):
    result = make_client(files_app).predict("xy", api_name="/prepare_download")
    assert Path(result).read_text() == "xyxy"
    assert Path(result).name == "download.txt"


def test_file_downloads_off_returns_file_data(files_app, make_client):
    result = make_client(files_app, download_files=False).predict("remote", api_name="/make_file")
    path = result["path"] if isinstance(result, dict) else result.path
    assert path and "made.txt" in path


def test_view_api_marks_file_parameters(files_app, make_client):
    info = make_client(files_app).view_api(return_format="dict", print_info=False)
    endpoints = info["named_endpoints"]
    (param,) = endpoints["/describe"]["parameters"]
    assert (param["parameter_name"], param["component"], param["python_type"]["type"]) == ("path", "File", "filepath")
    assert endpoints["/count_files"]["parameters"][0]["python_type"]["type"] == "list[filepath]"
    assert endpoints["/upload_button"]["parameters"][0]["component"] == "Uploadbutton"
    (returned,) = endpoints["/prepare_download"]["returns"]
    assert (returned["component"], returned["python_type"]["type"]) == ("Downloadbutton", "filepath")
    assert endpoints["/make_file"]["returns"][0]["python_type"]["type"] == "filepath"


def test_returning_a_file_outside_the_allowed_places_fails(files_app, make_client):
    with pytest.raises(AppError):
        make_client(files_app).predict("x", api_name="/leak")


def test_file_route_refuses_arbitrary_paths(files_app):
    base = files_app.demo.local_url.rstrip("/") + "/gradio_api"
    response = httpx.get(f"{base}/file=/etc/passwd", timeout=30)
    assert response.status_code == 403
    assert "root:" not in response.text


def test_file_route_serves_uploads(files_app, hello_file):
    base = files_app.demo.local_url.rstrip("/") + "/gradio_api"
    with hello_file.open("rb") as fh:
        (server_path,) = httpx.post(f"{base}/upload", files={"files": ("hello.txt", fh)}, timeout=30).json()
    response = httpx.get(f"{base}/file={server_path}", timeout=30)
    assert response.status_code == 200
    assert response.text == "hi there"


def test_files_not_uploaded_are_refused(files_app, call_like_the_browser, tmp_path):
    """A FileData pointing at an arbitrary server path (never uploaded) must not be read."""
    secret = tmp_path / "secret.txt"
    secret.write_text("do not read")
    payload = {"path": str(secret), "orig_name": "secret.txt", "meta": {"_type": "gradio.FileData"}}
    completed = call_like_the_browser(files_app, "describe", [payload])[-1]
    assert completed["msg"] == "process_completed"
    assert completed["success"] is False
    assert "do not read" not in str(completed["output"])
