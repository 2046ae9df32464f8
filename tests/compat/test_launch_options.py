"""Options given to `launch()`: show_error and max_file_size."""

import httpx
import pytest
from gradio_client import handle_file
from gradio_client.exceptions import AppError


@pytest.fixture(scope="module")
def options_app(running_apps):
    return running_apps.get("launch_options")


def test_show_error_sends_the_exception_text(options_app, make_client):
    with pytest.raises(AppError) as raised:
        make_client(options_app).predict("x", api_name="/explode")
    assert raised.value.message == "visible detail x"


def test_max_file_size_is_in_the_config(options_app, make_client):
    assert make_client(options_app).config["max_file_size"] == 1000


def test_small_upload_is_accepted(options_app, make_client, tmp_path):
    small = tmp_path / "small.bin"
    small.write_bytes(b"x" * 20)
    assert make_client(options_app).predict(handle_file(str(small)), api_name="/size_of") == 20


def test_client_refuses_a_file_over_max_file_size(options_app, make_client, tmp_path):
    big = tmp_path / "big.bin"
    big.write_bytes(b"x" * 2000)
    with pytest.raises(ValueError, match="exceeds the maximum file size of 1000 bytes"):
        make_client(options_app).predict(handle_file(str(big)), api_name="/size_of")


def test_server_refuses_an_upload_over_max_file_size(options_app):
    url = options_app.demo.local_url.rstrip("/") + "/gradio_api/upload"
    response = httpx.post(url, files={"files": ("big.bin", b"x" * 2000)}, timeout=30)
    assert response.status_code == 413
