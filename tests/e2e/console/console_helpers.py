"""What the console's browser tests share: users made through the API, a browser signed in as one, Spaces pushed
with the real CLI, and screenshots (to docs/images with PODIUM_SCREENSHOTS=1)."""

from __future__ import annotations

import os
import random
import subprocess
import sys
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

import httpx
from browser_helpers import VIEWPORT
from spaces_platform import Platform

PASSWORD = "correct horse battery staple"
REPO = Path(__file__).resolve().parents[3]
PHONE = {"width": 375, "height": 740}

README = """---
title: {title}
sdk: podium
app_file: app.py
---
# {title}
"""
APP = '''
import podium as gr


def greet(name):
    print("greeting", name, flush=True)
    return "Hello " + name + "!"


gr.Interface(greet, gr.Textbox(label="Name"), gr.Textbox(label="Greeting"), title="{title}").launch()
'''


def api_client(console: Platform, username: str, *, signup: bool = True) -> httpx.Client:
    """An API client acting as `username` (signed up first when `signup`) with a full-scope token."""
    client = httpx.Client(base_url=console.api_url, timeout=30)
    if signup:
        response = client.post("/api/auth/signup",
                               json={"username": username, "email": f"{username}@example.com", "password": PASSWORD})
        assert response.status_code == 201, response.text
    else:
        response = client.post("/api/auth/login", json={"login": username, "password": PASSWORD})
        assert response.status_code == 200, response.text
    csrf = {"X-CSRF-Token": client.cookies.get("podium_csrf") or ""}
    made = client.post("/api/user/tokens", json={"name": "e2e", "scopes": ["read", "write", "admin"]}, headers=csrf)
    assert made.status_code == 201, made.text
    client.headers["Authorization"] = f"Bearer {made.json()['token']}"
    client.cookies.clear()
    return client


def signed_in(browser: Any, console: Platform, username: str, *, viewport: dict[str, int] | None = None,
              color_scheme: str = "light") -> Any:
    """A new browser context with `username`'s console session (signed in through the API)."""
    context = browser.new_context(viewport=viewport or VIEWPORT, color_scheme=color_scheme)
    context.set_default_timeout(10_000)
    response = context.request.post(f"{console.api_url}/api/auth/login", data={"login": username, "password": PASSWORD})
    assert response.status == 200, response.text()
    return context


def cli(console: Platform, home: Path, *args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    """The real `podium` CLI with its own PODIUM_HOME (one per user: `podium login` keeps the token there)."""
    podium = Path(sys.executable).with_name("podium")
    env = {k: v for k, v in os.environ.items() if k not in ("PODIUM_SERVER", "PODIUM_HOME")}
    env["PODIUM_HOME"] = str(home)
    return subprocess.run([str(podium), *args], capture_output=True, text=True, timeout=timeout, env=env)


def space_folder(root: Path, title: str) -> Path:
    """A folder with a small Podium app (README front matter + app.py) that greets and logs each greeting."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "README.md").write_text(README.format(title=title))
    (root / "app.py").write_text(APP.replace("{title}", title))
    return root


def push(console: Platform, client: httpx.Client, home: Path, folder: Path, space: str, *, wait: bool = True,
         create: bool = True, **settings: Any) -> None:
    """Create `space` (OWNER/NAME) through the API and push `folder` with the CLI, as the token's user."""
    owner, name = space.split("/")
    if create:
        made = client.post("/api/spaces", json={"owner": owner, "name": name, "sleep_time": -1, **settings})
        assert made.status_code == 201, made.text
    token = client.headers["Authorization"].split(" ", 1)[1]
    login = subprocess.run([str(Path(sys.executable).with_name("podium")), "login", "--server", console.api_url,
                            "--token", "-"], input=token, capture_output=True, text=True, timeout=60,
                           env={**os.environ, "PODIUM_HOME": str(home)})
    assert login.returncode == 0, login.stderr
    args = ["push", str(folder), "--space", space, "--timeout", "300"] + ([] if wait else ["--no-follow"])
    done = cli(console, home, *args)
    assert done.returncode == 0, f"{done.stdout}\n{done.stderr}\n{console.output()}"


def screenshot(page: Any, name: str, tmp_path: Path) -> Path:
    """Save a screenshot as docs/images/console-NAME.png when PODIUM_SCREENSHOTS=1, else in `tmp_path`."""
    folder = REPO / "docs" / "images" if os.environ.get("PODIUM_SCREENSHOTS") == "1" else tmp_path
    path = folder / f"console-{name}.png"
    page.screenshot(path=str(path), full_page=False)
    return path


@contextmanager
def second_installation(folder: Path, pg_cluster: str, podman_socket: str, base_image: str, console: Platform,
                        prefix: str) -> Iterator[Platform]:
    """A second installation (API and console only, own database) whose one sign-in provider, "Podium Main", is the
    shared console's API, with a real OAuth client registered there by `PREFIX-idp-admin`, and a first user
    `PREFIX-rp-admin` so that it is past its first run. Its public URL is `http://localhost:PORT`: another host than
    the console's 127.0.0.1, so the browser keeps the two installations' cookies apart as it would for two sites."""
    from helpers import migrated_database  # tests/controlplane (on sys.path through platform_fixtures)
    from platform_fixtures import TEST_SECRET_KEYS

    with migrated_database(pg_cluster, f"console_{prefix}_rp_{random.randrange(10**6, 10**7)}") as url:
        rp = Platform(folder, url, podman_socket, base_image, TEST_SECRET_KEYS)
        public_url = f"http://localhost:{rp.api_port}"
        with closing(api_client(console, f"{prefix}-idp-admin")) as owner:
            made = owner.post("/api/oauth/clients", json={
                "name": f"{prefix.upper()} second installation", "confidential": True,
                "redirect_uris": [f"{public_url}/api/auth/oidc/main/callback"]})
            assert made.status_code == 201, made.text
        client = made.json()
        rp.env.update({
            "PODIUM_PUBLIC_URL": public_url,
            "PODIUM_CONSOLE_DIR": console.env["PODIUM_CONSOLE_DIR"],
            "PODIUM_OIDC_PROVIDERS": "main",
            "PODIUM_OIDC_MAIN_ISSUER": console.api_url,
            "PODIUM_OIDC_MAIN_NAME": "Podium Main",
            "PODIUM_OIDC_MAIN_CLIENT_ID": client["client_id"],
            "PODIUM_OIDC_MAIN_CLIENT_SECRET": client["client_secret"],
            "PODIUM_OIDC_ALLOW_INSECURE": "1",  # the provider is plain HTTP on loopback
        })
        try:
            rp.start("api")
            with httpx.Client(base_url=rp.api_url, timeout=30) as first:
                signup = first.post("/api/auth/signup", json={
                    "username": f"{prefix}-rp-admin", "email": f"{prefix}-rp@example.com", "password": PASSWORD})
                assert signup.status_code == 201, signup.text
            yield rp
        finally:
            rp.stop_all()
