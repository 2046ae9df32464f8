"""`python -m podium_services.platform`: the whole single-machine Spaces platform, in the foreground (`make up`).

It starts, in order, and stops everything it started on Ctrl-C or SIGTERM (in reverse order):

1. a private Postgres cluster in DATA_DIR/postgres (infra/postgres/cluster.sh), the secret-encryption key
   (DATA_DIR/secret-keys, made once, mode 0600), the migrations; the object store is DATA_DIR/objects on disk
   (nothing to start), or S3 when PODIUM_S3_ENDPOINT is set;
2. Podman: infra/podman/setup.sh (as root), then its Docker-compatible socket DATA_DIR/podman.sock
   (infra/podman/socket.sh; one already serving there is reused), given to the children as DOCKER_HOST;
3. the Space base image (infra/space-image/build.sh: about 80 s the first time, under a second after),
   given to the children as PODIUM_SPACE_BASE_IMAGE;
4. the processes `python -m podium_services.api`, `.builder`, `.reconciler`, `.router`, `.share` (the share-link
   server: tunnels on PODIUM_SHARE_BIND, visitors through the router's `*.share.DOMAIN`) and the example SDK app,
   which gets a share link too (unless --no-share);
5. on first start the site admin `admin` (password in DATA_DIR/admin-password, API token in DATA_DIR/admin-token,
   both 0600; the CLI is signed in with PODIUM_HOME=DATA_DIR/cli), then it pushes the example Spaces in
   docs/examples/spaces/ with `podium push` when a Space is missing or its folder differs from its newest revision.

Postgres keeps its data, and the Spaces their revisions, from one start to the next.
"""

from __future__ import annotations

import argparse
import base64
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from contextlib import ExitStack
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from podium_cp.settings import SettingsError
from podium_services.platform_summary import summary

ROOT = Path(__file__).resolve().parents[2]
CLUSTER = ROOT / "infra" / "postgres" / "cluster.sh"
PODMAN_SETUP = ROOT / "infra" / "podman" / "setup.sh"
PODMAN_SOCKET = ROOT / "infra" / "podman" / "socket.sh"
SPACE_IMAGE_BUILD = ROOT / "infra" / "space-image" / "build.sh"
EXAMPLE_APP = ROOT / "docs" / "examples" / "hello" / "app.py"
EXAMPLE_SPACES = ROOT / "docs" / "examples" / "spaces"
ADMIN_USERNAME = "admin"
ADMIN_EMAIL = "admin@podium.localhost"
ADMIN_TOKEN_SCOPES = ("read", "write")  # what `podium push` needs
SERVICES = ("api", "builder", "reconciler", "router", "share")  # started in this order, stopped in the reverse
SETTLED_STAGES = frozenset({"RUNNING", "SLEEPING", "PAUSED", "BUILD_ERROR", "CONFIG_ERROR", "NO_APP_FILE",
                            "RUNTIME_ERROR", "WAITING_FOR_HARDWARE"})


class PlatformError(Exception):
    """A step of the start failed; the message says which, why, and what to do."""


def log(message: str) -> None:
    print(f"podium platform: {message}", flush=True)


# --- arguments and the children's environment (pure: tests/controlplane/test_platform_up.py) ----------


def parse_args(argv: list[str] | None = None, environ: Mapping[str, str] | None = None) -> argparse.Namespace:
    """The command line; every default comes from a PODIUM_* variable of `environ` (default: os.environ)."""
    env = os.environ if environ is None else environ
    parser = argparse.ArgumentParser(prog="podium_services.platform", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", default=env.get("PODIUM_DATA_DIR") or str(ROOT / ".podium-data"))
    parser.add_argument("--pg-port", type=int, default=int(env.get("PODIUM_PG_PORT") or 5433))
    parser.add_argument("--api-port", type=int, default=int(env.get("PODIUM_API_PORT") or 8700))
    parser.add_argument("--router-port", type=int, default=int(env.get("PODIUM_ROUTER_PORT") or 8080))
    parser.add_argument("--app-port", type=int, default=int(env.get("PODIUM_APP_PORT") or 7860))
    parser.add_argument("--host", default=env.get("PODIUM_HOST") or "127.0.0.1", help="address every server binds")
    parser.add_argument("--spaces-domain", default=env.get("PODIUM_SPACES_DOMAIN") or "localhost",
                        help="Spaces are served at NAME--OWNER.spaces.DOMAIN (default localhost)")
    parser.add_argument("--app", default=str(EXAMPLE_APP), help="the example SDK app to serve beside the platform")
    parser.add_argument("--no-examples", action="store_true", help="do not push the example Spaces")
    parser.add_argument("--share-port", type=int, default=int(env.get("PODIUM_SHARE_PORT") or 7000),
                        help="where the share server accepts tunnel clients")
    parser.add_argument("--share-vhost-port", type=int, default=int(env.get("PODIUM_SHARE_VHOST_PORT") or 7080),
                        help="the share server's HTTP side (the router forwards SUB.share.DOMAIN there)")
    parser.add_argument("--no-share", action="store_true", default=env.get("PODIUM_UP_SHARE", "1") in ("0", "false"),
                        help="do not open a share link to the example app (PODIUM_UP_SHARE=0)")
    return parser.parse_args(argv)


def spaces_public_url(args: argparse.Namespace, environ: Mapping[str, str]) -> str:
    """PODIUM_SPACES_PUBLIC_URL, else http://spaces.DOMAIN:ROUTER_PORT (no port for 80)."""
    given = (environ.get("PODIUM_SPACES_PUBLIC_URL") or "").strip().rstrip("/")
    if given:
        return given
    return f"http://spaces.{args.spaces_domain}" + ("" if args.router_port == 80 else f":{args.router_port}")


def space_url(public_url: str, owner: str, name: str) -> str:
    """Space OWNER/NAME's URL: http://NAME--OWNER.spaces.DOMAIN[:PORT] (as podium_cp.settings computes it)."""
    scheme, _, netloc = public_url.partition("://")
    return f"{scheme}://{name}--{owner}.{netloc}".lower()


def child_env(args: argparse.Namespace, environ: Mapping[str, str], *, data_dir: Path, database_url: str,
              secret_keys: str, docker_host: str, base_image: str) -> dict[str, str]:
    """What every child reads (podium_cp.settings.Settings.from_env and the router's config)."""
    env = {
        **environ,
        "PODIUM_DATABASE_URL": database_url,
        "PODIUM_DATA_DIR": str(data_dir),
        "PODIUM_SECRET_KEYS": secret_keys,
        "PODIUM_API_HOST": args.host,
        "PODIUM_API_PORT": str(args.api_port),
        "PODIUM_ROUTER_HOST": args.host,
        "PODIUM_ROUTER_PORT": str(args.router_port),
        "PODIUM_SPACES_DOMAIN": args.spaces_domain,
        "PODIUM_SPACES_PUBLIC_URL": spaces_public_url(args, environ),
        "DOCKER_HOST": docker_host,
        "PODIUM_SPACE_BASE_IMAGE": base_image,
    }
    env.setdefault("PODIUM_PUBLIC_URL", f"http://{args.host}:{args.api_port}")
    # Share links: tunnels dial the share port; visitors come through the router (http://SUB.share.DOMAIN:PORT).
    dial = "127.0.0.1" if args.host in ("0.0.0.0", "::") else args.host
    env.setdefault("PODIUM_SHARE_BIND", f"{args.host}:{args.share_port}")
    env.setdefault("PODIUM_SHARE_TUNNEL_ADDRESS", f"{dial}:{args.share_port}")
    env.setdefault("PODIUM_SHARE_VHOST", f"127.0.0.1:{args.share_vhost_port}")
    env.setdefault("PODIUM_SHARE_PUBLIC_URL", f"http://share.{args.spaces_domain}"
                   + ("" if args.router_port == 80 else f":{args.router_port}"))
    env.setdefault("PODIUM_SHARE_SERVER", f"http://{dial}:{args.api_port}")  # apps with share=True ask the API
    # Space containers store deep links through the API's Unix socket (its folder is mounted into them).
    env.setdefault("PODIUM_SPACES_API_SOCKET", str(data_dir / "run" / "api.sock"))
    return env


@dataclass(frozen=True)
class ChildSpec:
    """One process the platform runs: its name in messages, its command line and environment."""

    name: str
    argv: list[str]
    env: dict[str, str] = field(repr=False)


def plan_children(args: argparse.Namespace, env: Mapping[str, str]) -> list[ChildSpec]:
    """The children in start order: the four services, then the example SDK app."""
    children = [ChildSpec(name, [sys.executable, "-m", f"podium_services.{name}"], dict(env)) for name in SERVICES]
    app_env = {**env, "PODIUM_SERVER_PORT": str(args.app_port), "PODIUM_SERVER_NAME": args.host}
    children.append(ChildSpec("example app", [sys.executable, str(Path(args.app).resolve())], app_env))
    return children


# --- files in the data dir -------------------------------------------------------------------------


def write_private(path: Path, text: str) -> None:
    """Create `path` readable by its owner only (0600 from the first byte on), replacing any old file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)


def admin_password(data_dir: Path) -> tuple[str, bool]:
    """The admin's password from DATA_DIR/admin-password, made on first use; (password, made_now)."""
    path = data_dir / "admin-password"
    if path.exists():
        path.chmod(0o600)
        password = path.read_text().strip()
        if password:
            return password, False
    password = secrets.token_urlsafe(18)
    write_private(path, password + "\n")
    return password, True


def secret_keys(data_dir: Path) -> str:
    """The keyring for secrets at rest: PODIUM_SECRET_KEYS if set, else DATA_DIR/secret-keys (made once)."""
    if os.environ.get("PODIUM_SECRET_KEYS"):
        return os.environ["PODIUM_SECRET_KEYS"]
    path = data_dir / "secret-keys"
    if not path.exists():
        key = "k" + time.strftime("%Y%m%d") + ":" + base64.b64encode(secrets.token_bytes(32)).decode()
        write_private(path, key + "\n")
        log(f"created the secret-encryption key in {path} (back it up: secrets cannot be read without it)")
    return path.read_text().strip()


# --- the steps ---------------------------------------------------------------------------------------


def _script(argv: list[str], what: str, *, stderr_to_terminal: bool = False) -> str:
    """Run a bash script; its last stdout line, or PlatformError with the end of its error output."""
    done = subprocess.run(["bash", *argv], stdout=subprocess.PIPE, text=True,
                          stderr=None if stderr_to_terminal else subprocess.PIPE)
    if done.returncode != 0:
        detail = "" if stderr_to_terminal else "\n" + (done.stderr or "").strip()[-2000:]
        raise PlatformError(f"{what} failed (exit {done.returncode}){detail or '; see its output above'}")
    lines = done.stdout.strip().splitlines()
    return lines[-1] if lines else ""


def start_postgres(data_dir: Path, port: int) -> str:
    """Start the private cluster in DATA_DIR/postgres; its database URL."""
    data_dir.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        data_dir.chmod(0o755)  # the cluster runs as the `postgres` user, who must reach its folder
    return _script([str(CLUSTER), "start", str(data_dir / "postgres"), str(port)], f"Postgres (port {port})")


def describe_object_store(data_dir: Path) -> str:
    """Where build logs and Space files go; SettingsError for a half-set PODIUM_S3_* configuration."""
    from podium_cp.storage.factory import s3_config_from_env

    s3 = s3_config_from_env()
    if s3 is None:
        return f"local disk, {data_dir / 'objects'} (set PODIUM_S3_ENDPOINT and its keys for S3)"
    return f"S3 bucket {s3.bucket!r} at {s3.endpoint} ({'https' if s3.secure else 'http'})"


def start_podman(data_dir: Path) -> tuple[str, Path | None]:
    """Configure Podman and serve its socket; (DOCKER_HOST, the socket to stop at the end or None)."""
    if os.environ.get("DOCKER_HOST"):
        log(f"using the container engine at DOCKER_HOST={os.environ['DOCKER_HOST']} (set in the environment)")
        return os.environ["DOCKER_HOST"], None
    if os.geteuid() == 0:
        _script([str(PODMAN_SETUP)], "infra/podman/setup.sh (configuring Podman)")
    else:
        log("not root: skipping infra/podman/setup.sh; if builds fail with runtime or ulimit errors, "
            "run `sudo bash infra/podman/setup.sh` once")
    sock = data_dir / "podman.sock"
    if subprocess.run(["bash", str(PODMAN_SOCKET), "status", str(sock)], capture_output=True).returncode == 0:
        log(f"reusing the Podman socket already serving at {sock}")
        return f"unix://{sock}", None
    path = _script([str(PODMAN_SOCKET), "start", str(sock)], "infra/podman/socket.sh (Podman's API socket)")
    return f"unix://{path}", Path(path)


def stop_podman(sock: Path) -> None:
    subprocess.run(["bash", str(PODMAN_SOCKET), "stop", str(sock)], capture_output=True)


def build_base_image() -> str:
    """The Space base image's reference: PODIUM_SPACE_BASE_IMAGE, else what infra/space-image/build.sh built."""
    if os.environ.get("PODIUM_SPACE_BASE_IMAGE"):
        log(f"using PODIUM_SPACE_BASE_IMAGE={os.environ['PODIUM_SPACE_BASE_IMAGE']} (set in the environment)")
        return os.environ["PODIUM_SPACE_BASE_IMAGE"]
    log("building the Space base image (infra/space-image/build.sh): a minute or two the first time, "
        "under a second when sdk/ is unchanged")
    ref = _script([str(SPACE_IMAGE_BUILD)], "infra/space-image/build.sh (the Space base image)",
                  stderr_to_terminal=True)
    if not ref:
        raise PlatformError("infra/space-image/build.sh printed no image reference")
    return ref


def remove_space_containers(database_url: str, namespace: str) -> None:
    """Remove this installation's Space containers so that none outlive it (the reconciler starts them again).

    A container is ours when its namespace label is `namespace` and its id and OWNER/NAME labels name a Space of
    our database: other installations may share the engine.
    """
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT id, owner_name, name FROM spaces"))
            ours = {(namespace, str(i), f"{o}/{n}") for i, o, n in rows}
    except Exception as exc:  # noqa: BLE001 (best effort on the way out)
        log(f"could not list this installation's Spaces to remove their containers: {exc}")
        return
    finally:
        engine.dispose()
    labels = ("org.podium.namespace", "org.podium.space-id", "org.podium.space")
    listed = subprocess.run(
        ["podman", "ps", "-a", "--filter", "label=org.podium.space-id", "--format",
         "\t".join(["{{.ID}}", *(f'{{{{index .Labels "{label}"}}}}' for label in labels)])],
        capture_output=True, text=True)
    ids = [line.split("\t")[0] for line in listed.stdout.splitlines() if tuple(line.split("\t")[1:]) in ours]
    if ids:
        log(f"removing {len(ids)} Space container(s)")
        subprocess.run(["podman", "rm", "--force", "--time", "10", *ids], capture_output=True)


def wait_http(url: str, timeout: float = 30.0, headers: Mapping[str, str] | None = None,
              alive: Callable[[], bool] = lambda: True) -> bool:
    """Whether `url` answers below 500 within `timeout` seconds (a 404 counts: something is serving); gives up
    early once `alive()` is false (the server's process exited)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and alive():
        try:
            request = urllib.request.Request(url, headers=dict(headers or {}))
            with urllib.request.urlopen(request, timeout=2) as response:  # noqa: S310 (loopback only)
                return bool(response.status < 500)
        except urllib.error.HTTPError as error:
            if error.code < 500:
                return True
            time.sleep(0.2)
        except (urllib.error.URLError, OSError):
            time.sleep(0.2)
    return False


# --- the admin and the example Spaces ---------------------------------------------------------------


def _fail(response: Any, doing: str) -> PlatformError:
    try:
        detail = response.json()["error"]["message"]
    except (ValueError, KeyError, TypeError):
        detail = response.text[:300]
    return PlatformError(f"{doing}: the API answered {response.status_code}: {detail}")


def ensure_admin_token(api_url: str, data_dir: Path, password: str) -> str:
    """The admin's API token from DATA_DIR/admin-token while it works; else sign up (or in) and make one."""
    import httpx

    path = data_dir / "admin-token"
    with httpx.Client(base_url=api_url, timeout=30.0) as http:
        if path.exists():
            token = path.read_text().strip()
            who = http.get("/api/whoami", headers={"Authorization": f"Bearer {token}"})
            if who.status_code == 200 and who.json().get("username") == ADMIN_USERNAME:
                return token
            log(f"the token in {path} no longer works; making a new one")
        signup = http.post("/api/auth/signup",
                           json={"username": ADMIN_USERNAME, "email": ADMIN_EMAIL, "password": password})
        if signup.status_code == 201:
            if signup.json().get("site_admin"):
                log(f"created the site admin {ADMIN_USERNAME!r}")
            else:
                log(f"created the user {ADMIN_USERNAME!r}; it is not the site admin (other accounts existed)")
        elif signup.status_code == 409:  # the account exists: its password is the one in DATA_DIR/admin-password
            login = http.post("/api/auth/login", json={"login": ADMIN_USERNAME, "password": password})
            if login.status_code != 200:
                raise PlatformError(
                    f"the user {ADMIN_USERNAME!r} exists but the password in {data_dir / 'admin-password'} does not "
                    f"sign in ({login.status_code}); put its password there, or start with a fresh --data-dir")
        else:
            raise _fail(signup, f"Creating the user {ADMIN_USERNAME!r}")
        created = http.post(
            "/api/user/tokens",
            json={"name": "podium platform (make up)", "scopes": list(ADMIN_TOKEN_SCOPES), "expires_in_days": 365},
            headers={"X-CSRF-Token": http.cookies.get("podium_csrf") or ""},
        )
        if created.status_code != 201:
            raise _fail(created, "Creating the admin's API token")
        token = str(created.json()["token"])
    write_private(path, token + "\n")
    return token


def cli_env(env: Mapping[str, str], data_dir: Path) -> dict[str, str]:
    """The environment of the `podium` CLI runs: its own PODIUM_HOME in the data dir."""
    return {**env, "PODIUM_HOME": str(data_dir / "cli")}


def cli_login(api_url: str, token: str, env: Mapping[str, str]) -> None:
    """`podium login --token -` (the token on stdin, never on a command line)."""
    done = subprocess.run([sys.executable, "-m", "podium", "login", "--server", api_url, "--token", "-"],
                          input=token + "\n", capture_output=True, text=True, env=dict(env))
    if done.returncode != 0:
        raise PlatformError(f"`podium login` failed: {done.stderr.strip()}")


def example_spaces() -> list[Path]:
    """The example Space folders (each with a README.md)."""
    return sorted(p for p in EXAMPLE_SPACES.iterdir() if (p / "README.md").is_file()) if EXAMPLE_SPACES.is_dir() else []


def needs_push(http: Any, owner: str, folder: Path) -> str | None:
    """Why the folder must be pushed ("missing", "changed"), or None when its newest revision has the same files."""
    from podium.spaces import build_manifest

    found = http.get(f"/api/spaces/{owner}/{folder.name}/revisions", params={"limit": 1})
    if found.status_code == 404:
        return "missing"
    if found.status_code != 200:
        raise _fail(found, f"Looking up {owner}/{folder.name}")
    items = found.json()["items"]
    if not items or items[0]["manifest_digest"] != build_manifest(folder).digest:
        return "changed"
    return None


def push_examples(api_url: str, token: str, env: Mapping[str, str]) -> list[str]:
    """Push each example Space that is missing or differs from its newest revision; their names."""
    import httpx

    names = []
    with httpx.Client(base_url=api_url, timeout=30.0, headers={"Authorization": f"Bearer {token}"}) as http:
        for folder in example_spaces():
            names.append(folder.name)
            reason = needs_push(http, ADMIN_USERNAME, folder)
            if reason is None:
                log(f"example Space {ADMIN_USERNAME}/{folder.name} is up to date")
                continue
            log(f"pushing the example Space {ADMIN_USERNAME}/{folder.name} ({reason}) with `podium push`")
            done = subprocess.run(
                [sys.executable, "-m", "podium", "push", str(folder), "--space", f"{ADMIN_USERNAME}/{folder.name}",
                 "--no-follow", "--server", api_url, "-m", "make up: docs/examples/spaces/" + folder.name],
                capture_output=True, text=True, env=dict(env))
            if done.returncode != 0:
                raise PlatformError(f"`podium push {folder}` failed: {done.stderr.strip()}")
    return names


class StageWatcher:
    """Logs each example Space's stage as it changes, until every one is settled (running or failed)."""

    def __init__(self, api_url: str, token: str, names: list[str], public_url: str) -> None:
        self.api_url, self.token, self.public_url = api_url, token, public_url
        self.stages = dict.fromkeys(names, "")
        self.next_poll = 0.0

    def poll(self) -> None:
        if time.monotonic() < self.next_poll or all(s in SETTLED_STAGES for s in self.stages.values()):
            return
        self.next_poll = time.monotonic() + 2.0
        import httpx

        for name, last in self.stages.items():
            if last in SETTLED_STAGES:
                continue
            try:
                info = httpx.get(f"{self.api_url}/api/spaces/{ADMIN_USERNAME}/{name}", timeout=5.0,
                                 headers={"Authorization": f"Bearer {self.token}"}).json()
            except (httpx.HTTPError, ValueError):
                continue
            stage = str(info.get("stage") or "")
            if stage != last:
                self.stages[name] = stage
                where = f" at {space_url(self.public_url, ADMIN_USERNAME, name)}" if stage == "RUNNING" else ""
                message = f": {info['stage_message']}" if info.get("stage_message") else ""
                log(f"example Space {ADMIN_USERNAME}/{name}: {stage}{where}{message}")


def share_example_app(args: argparse.Namespace, env: Mapping[str, str], stack: ExitStack) -> str | None:
    """Open a share link to the example app (closed when the platform stops); its URL, or None (logged why)."""
    from podium.share import ShareError, open_share

    dial = "127.0.0.1" if args.host in ("0.0.0.0", "::") else args.host
    try:
        share = open_share(args.app_port, local_host=dial, server=env["PODIUM_SHARE_SERVER"],
                           label="make up: the example app")
    except ShareError as error:
        log(f"could not open a share link to the example app: {error}")
        return None
    stack.callback(share.close)
    return share.url


# --- running it ------------------------------------------------------------------------------------


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _running(child: subprocess.Popen[bytes]) -> bool:
    return child.poll() is None


def stop_children(children: list[tuple[ChildSpec, subprocess.Popen[bytes]]]) -> None:
    """SIGTERM each child, newest first, and wait for it (SIGKILL after 10 s)."""
    for spec, child in reversed(children):
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                log(f"{spec.name} did not stop within 10 s; killing it")
                child.kill()
                child.wait()


def start_children(specs: list[ChildSpec], stack: ExitStack,
                   popen: Callable[..., subprocess.Popen[bytes]] = subprocess.Popen
                   ) -> list[tuple[ChildSpec, subprocess.Popen[bytes]]]:
    """Start each child in order; `stack` stops them all (in reverse order) when it closes."""
    started: list[tuple[ChildSpec, subprocess.Popen[bytes]]] = []
    stack.callback(stop_children, started)
    for spec in specs:
        log(f"starting {spec.name}: {' '.join(spec.argv[1:])}")
        started.append((spec, popen(spec.argv, env=spec.env)))
    return started


def run(args: argparse.Namespace, stack: ExitStack) -> int:
    data_dir = Path(args.data_dir).resolve()
    log(f"[1/5] starting Postgres in {data_dir / 'postgres'} (port {args.pg_port})")
    database_url = os.environ.get("PODIUM_DATABASE_URL")
    if not database_url:
        database_url = start_postgres(data_dir, args.pg_port)
        stack.callback(subprocess.run, ["bash", str(CLUSTER), "stop", str(data_dir / "postgres")],
                       capture_output=True)
    keys = secret_keys(data_dir)
    log("migrating the database")
    from podium_cp.migrate import upgrade

    upgrade(database_url)
    log(f"object store: {describe_object_store(data_dir)}")

    log("[2/5] starting Podman's Docker-compatible socket")
    docker_host, our_socket = start_podman(data_dir)
    if our_socket is not None:
        stack.callback(stop_podman, our_socket)
    log(f"container engine: DOCKER_HOST={docker_host}")
    if docker_host == f"unix://{data_dir / 'podman.sock'}":
        namespace = os.environ.get("PODIUM_RUNTIME_NAMESPACE") or "podium"
        stack.callback(remove_space_containers, database_url, namespace)  # runs after the children stop

    log("[3/5] the Space base image")
    base_image = build_base_image()
    log(f"Space base image: {base_image}")

    log("[4/5] starting the API, builder, reconciler, router, share server and the example app")
    env = child_env(args, os.environ, data_dir=data_dir, database_url=database_url, secret_keys=keys,
                    docker_host=docker_host, base_image=base_image)
    children = start_children(plan_children(args, env), stack)
    api_url = env["PODIUM_PUBLIC_URL"]
    local_api = f"http://{args.host}:{args.api_port}"
    by_name = {spec.name: child for spec, child in children}
    for name, url, headers in [
        ("api", f"{local_api}/api/health", {}),
        ("router", f"http://{args.host}:{args.router_port}/", {"Host": f"spaces.{args.spaces_domain}"}),
        ("share", f"http://{env['PODIUM_SHARE_VHOST']}/", {"Host": f"probe.share.{args.spaces_domain}"}),
        ("example app", f"http://{args.host}:{args.app_port}/config", {}),
    ]:
        child = by_name[name]
        if not wait_http(url, headers=headers, alive=partial(_running, child)):
            if child.poll() is not None:
                raise PlatformError(f"the {name} exited (code {child.returncode}) while starting; see its output above")
            raise PlatformError(f"the {name} did not answer at {url} within 30 s; see its output above")

    share_url = None if args.no_share else share_example_app(args, env, stack)
    password: str | None = None
    names: list[str] = []
    watcher: StageWatcher | None = None
    log("[5/5] the admin" + ("" if args.no_examples else " and the example Spaces")
        + f" (CLI home {data_dir / 'cli'})")
    password, made = admin_password(data_dir)
    if made:
        log(f"made the admin's password: {data_dir / 'admin-password'}")
    token = ensure_admin_token(local_api, data_dir, password)
    podium_cli_env = cli_env(env, data_dir)
    cli_login(api_url, token, podium_cli_env)
    if not args.no_examples:
        names = push_examples(api_url, token, podium_cli_env)
        watcher = StageWatcher(local_api, token, names, env["PODIUM_SPACES_PUBLIC_URL"])
    print(summary(args, env, data_dir, password, names, share_url, admin=ADMIN_USERNAME), flush=True)
    while all(child.poll() is None for _, child in children):
        if watcher is not None:
            watcher.poll()
        time.sleep(0.5)
    gone = [f"{spec.name} (exit {child.returncode})" for spec, child in children if child.poll() is not None]
    raise PlatformError(f"{', '.join(gone)} stopped; see its output above")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # `kill` / a supervisor's SIGTERM stops the platform as cleanly as Ctrl-C does; SIGINT is set too, as a
    # shell's `cmd &` starts it ignored.
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGINT, _interrupt)
    stack = ExitStack()
    try:
        return run(args, stack)
    except KeyboardInterrupt:
        log("stopping: the children (newest first), then Podman's socket and Postgres")
        return 0
    except (PlatformError, SettingsError) as error:
        log(f"error: {error}")
        log("stopping what was started")
        return 1
    finally:
        # A second Ctrl-C must not cut the clean-up short (Postgres and Podman would be left running).
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        stack.close()
        log("stopped")


if __name__ == "__main__":
    sys.exit(main())
