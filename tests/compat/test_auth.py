"""launch(auth=...) seen by `gradio_client`: Client(auth=...) logs in; without it the app refuses."""

import httpx
import pytest
from gradio_client.exceptions import AuthenticationError


@pytest.fixture(scope="module")
def auth_app(running_apps):
    return running_apps.get("auth_app")


def test_login_then_call(auth_app, make_client):
    client = make_client(auth_app, auth=("admin", "secret"))
    assert client.predict("hi", api_name="/whoami") == "hi:admin"


def test_no_credentials_is_an_authentication_error(auth_app, make_client):
    with pytest.raises(AuthenticationError):
        make_client(auth_app)


def test_wrong_password_is_refused(auth_app, make_client):
    with pytest.raises(ValueError):
        make_client(auth_app, auth=("admin", "wrong"))


def test_api_routes_need_the_login(auth_app):
    root = auth_app.demo.local_url.rstrip("/")
    assert httpx.get(f"{root}/config", timeout=30).status_code == 401
    assert httpx.get(f"{root}/gradio_api/info", timeout=30).status_code == 401
