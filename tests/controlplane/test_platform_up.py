"""The pure parts of `python -m podium_services.platform` (what `make up` runs): arguments, the admin's
credential files, and the children's order and environment, through the `plan_children` / `start_children`
seams. Starting the whole platform (Postgres, Podman, the base image, every process) is covered end to end
elsewhere; here nothing is started.
"""

from __future__ import annotations

import stat
import subprocess
import sys
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest

from podium_services import platform
from podium_services.platform import ChildSpec
from podium_services.platform_summary import summary


def _args(**overrides: str) -> Any:
    return platform.parse_args([f"--{k.replace('_', '-')}={v}" for k, v in overrides.items()], environ={})


def _env(args: Any, tmp_path: Path, environ: dict[str, str] | None = None) -> dict[str, str]:
    return platform.child_env(
        args, environ or {"PATH": "/usr/bin"}, data_dir=tmp_path, database_url="postgresql+psycopg://p@h:1/db",
        secret_keys="k1:abc", docker_host=f"unix://{tmp_path}/podman.sock", base_image="localhost/base:1234",
    )


def test_defaults_without_environment() -> None:
    args = platform.parse_args([], environ={})
    assert (args.pg_port, args.api_port, args.router_port, args.app_port) == (5433, 8700, 8080, 7860)
    assert args.host == "127.0.0.1" and args.spaces_domain == "localhost" and not args.no_examples
    assert (args.share_port, args.share_vhost_port, args.no_share) == (7000, 7080, False)
    assert Path(args.data_dir) == platform.ROOT / ".podium-data"


def test_defaults_come_from_podium_variables_and_flags_win() -> None:
    environ = {"PODIUM_DATA_DIR": "/srv/podium", "PODIUM_ROUTER_PORT": "8085", "PODIUM_API_PORT": "8755",
               "PODIUM_SPACES_DOMAIN": "example.org"}
    args = platform.parse_args(["--api-port", "9000", "--no-examples"], environ=environ)
    assert (args.data_dir, args.router_port, args.api_port) == ("/srv/podium", 8085, 9000)
    assert args.spaces_domain == "example.org" and args.no_examples


def test_admin_password_is_made_once_private_and_reused(tmp_path: Path) -> None:
    password, made = platform.admin_password(tmp_path)
    path = tmp_path / "admin-password"
    assert made and len(password) >= 20
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_text() == password + "\n"
    again, made_again = platform.admin_password(tmp_path)
    assert (again, made_again) == (password, False)


def test_admin_password_file_gets_private_again_and_an_empty_one_is_replaced(tmp_path: Path) -> None:
    path = tmp_path / "admin-password"
    path.write_text("my own passphrase\n")
    path.chmod(0o644)
    assert platform.admin_password(tmp_path) == ("my own passphrase", False)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    path.write_text("\n")
    password, made = platform.admin_password(tmp_path)
    assert made and password and stat.S_IMODE(path.stat().st_mode) == 0o600


def test_write_private_replaces_a_readable_file_with_a_private_one(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "admin-token"
    path.parent.mkdir()
    path.write_text("old")
    path.chmod(0o644)
    platform.write_private(path, "pdm_new\n")
    assert path.read_text() == "pdm_new\n" and stat.S_IMODE(path.stat().st_mode) == 0o600


def test_children_start_in_order_with_the_platform_environment(tmp_path: Path) -> None:
    args = _args(api_port="8755", router_port="8085", app_port="7875")
    env = _env(args, tmp_path)
    specs = platform.plan_children(args, env)
    assert [s.name for s in specs] == ["api", "builder", "reconciler", "router", "share", "example app"]
    assert [s.argv[1:] for s in specs[:5]] == [["-m", f"podium_services.{n}"] for n in platform.SERVICES]
    assert specs[5].argv[1] == str(Path(args.app).resolve())
    for spec in specs:
        assert spec.argv[0] == sys.executable
        assert spec.env["PODIUM_DATABASE_URL"] == "postgresql+psycopg://p@h:1/db"
        assert spec.env["PODIUM_DATA_DIR"] == str(tmp_path)
        assert spec.env["PODIUM_SECRET_KEYS"] == "k1:abc"
        assert spec.env["DOCKER_HOST"] == f"unix://{tmp_path}/podman.sock"
        assert spec.env["PODIUM_SPACE_BASE_IMAGE"] == "localhost/base:1234"
        assert spec.env["PODIUM_SPACES_DOMAIN"] == "localhost"
        assert spec.env["PODIUM_SPACES_PUBLIC_URL"] == "http://spaces.localhost:8085"
        assert spec.env["PODIUM_ROUTER_PORT"] == "8085"
        assert spec.env["PODIUM_PUBLIC_URL"] == "http://127.0.0.1:8755"
        assert spec.env["PATH"] == "/usr/bin"
        assert spec.env["PODIUM_SHARE_PUBLIC_URL"] == "http://share.localhost:8085"
        assert spec.env["PODIUM_SHARE_VHOST"] == "127.0.0.1:7080"
        assert spec.env["PODIUM_SHARE_SERVER"] == "http://127.0.0.1:8755"
        assert spec.env["PODIUM_SPACES_API_SOCKET"] == str(tmp_path / "run" / "api.sock")
    assert specs[5].env["PODIUM_SERVER_PORT"] == "7875"
    assert "PODIUM_SERVER_PORT" not in specs[0].env


def test_given_public_urls_are_kept_and_port_80_is_left_out(tmp_path: Path) -> None:
    args = _args(router_port="80", spaces_domain="example.org")
    env = _env(args, tmp_path)
    assert env["PODIUM_SPACES_PUBLIC_URL"] == "http://spaces.example.org"
    assert platform.space_url(env["PODIUM_SPACES_PUBLIC_URL"], "admin", "Hello") == "http://hello--admin.spaces.example.org"
    given = {"PODIUM_SPACES_PUBLIC_URL": "https://spaces.example.org/", "PODIUM_PUBLIC_URL": "https://podium.example.org"}
    env = _env(args, tmp_path, given)
    assert env["PODIUM_SPACES_PUBLIC_URL"] == "https://spaces.example.org"
    assert env["PODIUM_PUBLIC_URL"] == "https://podium.example.org"


def test_share_server_settings_follow_the_flags_and_given_ones_are_kept(tmp_path: Path) -> None:
    args = _args(host="0.0.0.0", share_port="7100", share_vhost_port="7180", router_port="80")
    env = _env(args, tmp_path)
    assert env["PODIUM_SHARE_BIND"] == "0.0.0.0:7100"
    assert env["PODIUM_SHARE_TUNNEL_ADDRESS"] == "127.0.0.1:7100"  # what clients dial: not the wildcard
    assert env["PODIUM_SHARE_VHOST"] == "127.0.0.1:7180"
    assert env["PODIUM_SHARE_PUBLIC_URL"] == "http://share.localhost"
    assert env["PODIUM_SHARE_SERVER"] == "http://127.0.0.1:8700"
    given = {"PODIUM_SHARE_TUNNEL_ADDRESS": "share.example.org:7000", "PODIUM_SHARE_SERVER": "https://p.example.org"}
    env = _env(args, tmp_path, given)
    assert env["PODIUM_SHARE_TUNNEL_ADDRESS"] == "share.example.org:7000"
    assert env["PODIUM_SHARE_SERVER"] == "https://p.example.org"


def test_sharing_the_example_app_is_on_unless_turned_off() -> None:
    assert not platform.parse_args([], environ={}).no_share
    assert platform.parse_args(["--no-share"], environ={}).no_share
    assert platform.parse_args([], environ={"PODIUM_UP_SHARE": "0"}).no_share
    assert not platform.parse_args([], environ={"PODIUM_UP_SHARE": "1"}).no_share


def test_summary_says_how_to_share_an_app(tmp_path: Path) -> None:
    args = _args()
    env = _env(args, tmp_path)
    text = summary(args, env, tmp_path, None, [], "http://0123abcd.share.localhost:8080", admin="admin")
    assert "export PODIUM_SHARE_SERVER=http://127.0.0.1:8700" in text
    assert "share=True" in text and "podium share 7860" in text
    assert "example app, shared   http://0123abcd.share.localhost:8080" in text
    assert "example app, shared" not in summary(args, env, tmp_path, None, [], admin="admin")


def test_summary_shows_the_console_first(tmp_path: Path) -> None:
    args = _args(router_port="80", spaces_domain="example.org")
    env = _env(args, tmp_path, {"PODIUM_PUBLIC_URL": "https://podium.example.org"})
    lines = summary(args, env, tmp_path, "pw", ["hello"], admin="admin").splitlines()
    first = lines.index("Podium is running:") + 1
    assert lines[first] == "  console               https://podium.example.org/  (sign in as admin, or sign up)"
    assert lines[first + 1] == "  control-plane API     https://podium.example.org/api/"
    assert "  example Space         http://hello--admin.spaces.example.org  (admin/hello)" in lines
    assert any(line.startswith("  admin                 admin / pw  (in ") for line in lines)


def test_a_failed_share_link_is_logged_and_the_platform_goes_on(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import socket

    monkeypatch.setenv("PODIUM_HOME", str(tmp_path / "cli"))  # no stored `podium login` token is read

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = sock.getsockname()[1]  # nothing listens there once the socket is closed
    args = _args()
    env = {**_env(args, tmp_path), "PODIUM_SHARE_SERVER": f"http://127.0.0.1:{closed}"}
    with ExitStack() as stack:
        assert platform.share_example_app(args, env, stack) is None
    assert "could not open a share link to the example app: no share service at" in capsys.readouterr().out


class _FakeChild:
    """Stands in for a Popen (starting the real services needs the whole platform, covered end to end)."""

    def __init__(self, argv: list[str], env: dict[str, str], events: list[str]) -> None:
        self.name, self.events, self.returncode = argv[-1], events, None
        events.append(f"start {self.name}")

    def poll(self) -> int | None:
        return self.returncode

    def send_signal(self, signum: int) -> None:
        self.events.append(f"stop {self.name}")
        self.returncode = 0

    def wait(self, timeout: float | None = None) -> int:
        if self.returncode is None:
            raise subprocess.TimeoutExpired("child", timeout or 0)
        return self.returncode

    def kill(self) -> None:
        self.returncode = -9


def test_children_stop_in_reverse_order_when_the_stack_closes() -> None:
    events: list[str] = []
    specs = [ChildSpec(name, ["python", name], {}) for name in ("api", "builder", "reconciler", "router", "app")]
    with ExitStack() as stack:
        stack.callback(events.append, "stop postgres")
        started = platform.start_children(specs, stack, popen=lambda argv, env: _FakeChild(argv, env, events))
        assert [spec.name for spec, _ in started] == ["api", "builder", "reconciler", "router", "app"]
        started[1][1].returncode = 1  # an exited child is not signalled again
    assert events == [
        "start api", "start builder", "start reconciler", "start router", "start app",
        "stop app", "stop router", "stop reconciler", "stop api", "stop postgres",
    ]


def test_example_spaces_are_valid_podium_spaces() -> None:
    from podium.spaces import build_manifest, load_metadata, problems

    folders = platform.example_spaces()
    assert [f.name for f in folders] == ["chat", "hello"]
    for folder in folders:
        metadata = load_metadata(folder)
        assert metadata.sdk == "podium" and metadata.app_file == "app.py" and metadata.sleep_time
        manifest = build_manifest(folder)
        assert not problems(folder, manifest.paths)
        assert sorted(manifest.paths) == ["README.md", "app.py"]  # no requirements: the base image has podium


@pytest.mark.parametrize("name", ["hello", "chat"])
def test_example_space_apps_build_their_demo(name: str) -> None:
    path = str(platform.EXAMPLE_SPACES / name / "app.py")
    code = f"import runpy, podium; ns = runpy.run_path({path!r}); assert isinstance(ns['demo'], podium.Blocks)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
