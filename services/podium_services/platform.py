"""`python -m podium_services.platform`: the whole single-machine platform, in the foreground (what `make up` runs).

Starts a private Postgres cluster in the data dir (infra/postgres/cluster.sh), creates the secret-encryption key
on first start (kept in DATA_DIR/secret-keys, mode 0600), runs the migrations, then serves the control-plane API
and the example app, prints the URLs to open, and stops everything on Ctrl-C (Postgres keeps its data).
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
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CLUSTER = ROOT / "infra" / "postgres" / "cluster.sh"
EXAMPLE_APP = ROOT / "docs" / "examples" / "hello" / "app.py"


def log(message: str) -> None:
    print(f"podium platform: {message}", flush=True)


def start_postgres(data_dir: Path, port: int) -> str:
    pg_dir = data_dir / "postgres"
    data_dir.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        data_dir.chmod(0o755)  # the cluster runs as the `postgres` user, who must reach its folder
    done = subprocess.run(["bash", str(CLUSTER), "start", str(pg_dir), str(port)], capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"podium platform: Postgres did not start:\n{done.stderr.strip()}")
    return done.stdout.strip().splitlines()[-1]


def secret_keys(data_dir: Path) -> str:
    """The keyring for secrets at rest: PODIUM_SECRET_KEYS if set, else DATA_DIR/secret-keys (made once)."""
    if os.environ.get("PODIUM_SECRET_KEYS"):
        return os.environ["PODIUM_SECRET_KEYS"]
    path = data_dir / "secret-keys"
    if not path.exists():
        key = "k" + time.strftime("%Y%m%d") + ":" + base64.b64encode(secrets.token_bytes(32)).decode()
        path.write_text(key + "\n")
        path.chmod(0o600)
        log(f"created the secret-encryption key in {path} (back it up: secrets cannot be read without it)")
    return path.read_text().strip()


def wait_http(url: str, timeout: float = 30.0) -> bool:
    import urllib.error
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (loopback only)
                return bool(response.status < 500)
        except (urllib.error.URLError, OSError):
            time.sleep(0.2)
    return False


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="podium_services.platform", description=__doc__)
    parser.add_argument("--data-dir", default=os.environ.get("PODIUM_DATA_DIR", str(ROOT / ".podium-data")))
    parser.add_argument("--pg-port", type=int, default=int(os.environ.get("PODIUM_PG_PORT", "5433")))
    parser.add_argument("--api-port", type=int, default=int(os.environ.get("PODIUM_API_PORT", "8700")))
    parser.add_argument("--app-port", type=int, default=int(os.environ.get("PODIUM_APP_PORT", "7860")))
    parser.add_argument("--host", default=os.environ.get("PODIUM_HOST", "127.0.0.1"))
    parser.add_argument("--app", default=str(EXAMPLE_APP), help="the example app to serve beside the platform")
    args = parser.parse_args(argv)

    data_dir = Path(args.data_dir).resolve()
    # `kill` / a supervisor's SIGTERM stops the platform as cleanly as Ctrl-C does.
    signal.signal(signal.SIGTERM, _interrupt)
    log(f"starting Postgres in {data_dir / 'postgres'} (port {args.pg_port})")
    database_url = os.environ.get("PODIUM_DATABASE_URL") or start_postgres(data_dir, args.pg_port)
    env = {
        **os.environ,
        "PODIUM_DATABASE_URL": database_url,
        "PODIUM_DATA_DIR": str(data_dir),
        "PODIUM_SECRET_KEYS": secret_keys(data_dir),
        "PODIUM_API_PORT": str(args.api_port),
        "PODIUM_API_HOST": args.host,
    }
    env.setdefault("PODIUM_PUBLIC_URL", f"http://{args.host}:{args.api_port}")
    log("migrating the database")
    from podium_cp.migrate import upgrade

    upgrade(database_url)

    children: list[subprocess.Popen[bytes]] = [
        subprocess.Popen([sys.executable, "-m", "podium_services.api"], env=env),
        subprocess.Popen(
            [sys.executable, str(Path(args.app).resolve())],
            env={**env, "PODIUM_SERVER_PORT": str(args.app_port), "PODIUM_SERVER_NAME": args.host},
        ),
    ]
    api_url = env["PODIUM_PUBLIC_URL"]
    try:
        if not wait_http(f"http://{args.host}:{args.api_port}/api/health"):
            log("the API did not answer on /api/health within 30 s; see its output above")
            return 1
        wait_http(f"http://{args.host}:{args.app_port}/config", timeout=30)
        print(
            "\n".join(
                [
                    "",
                    "Podium is running:",
                    f"  control-plane API     {api_url}/api/  (docs: {api_url}/api/docs)",
                    f"  OIDC provider         {api_url}/.well-known/openid-configuration",
                    f"  example app           http://{args.host}:{args.app_port}/",
                    f"  data                  {data_dir}",
                    "First user: POST /api/auth/signup becomes the site admin. Ctrl-C stops everything.",
                    "",
                ]
            ),
            flush=True,
        )
        while all(child.poll() is None for child in children):
            time.sleep(0.5)
        log("a process exited; stopping the others")
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        for child in children:
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()
        subprocess.run(["bash", str(CLUSTER), "stop", str(data_dir / "postgres")], capture_output=True)
        log("stopped")


if __name__ == "__main__":
    sys.exit(main())
