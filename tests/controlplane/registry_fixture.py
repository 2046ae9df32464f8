"""A real OCI registry for tests: the distribution registry (`docker-registry serve CONFIG`) on a free port of
127.0.0.1, plain HTTP, with its storage in a temporary directory, optionally behind htpasswd (bcrypt) auth.

`bcrypt_hash` uses the system's libcrypt (libxcrypt hashes `$2b$`), so no Python bcrypt package is needed.
"""

from __future__ import annotations

import base64
import ctypes
import ctypes.util
import json
import shutil
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from helpers import free_port

REGISTRY_BINARY = "docker-registry"
MANIFEST_TYPES = ", ".join([
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.v2+json",
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
])


def bcrypt_hash(password: str) -> str | None:
    """A `$2b$` bcrypt hash of `password` from libcrypt (cost 4: fast), or None where libcrypt has no bcrypt."""
    name = ctypes.util.find_library("crypt")
    if name is None:
        return None
    lib = ctypes.CDLL(name)
    if not hasattr(lib, "crypt_gensalt"):
        return None
    lib.crypt_gensalt.restype = ctypes.c_char_p
    lib.crypt_gensalt.argtypes = [ctypes.c_char_p, ctypes.c_ulong, ctypes.c_char_p, ctypes.c_int]
    lib.crypt.restype = ctypes.c_char_p
    lib.crypt.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
    salt = lib.crypt_gensalt(b"$2b$", 4, None, 0)
    hashed = lib.crypt(password.encode(), salt) if salt else None
    if not hashed or not hashed.startswith(b"$2b$"):
        return None
    return str(hashed.decode())


@dataclass
class Registry:
    """A running registry: `host` is `127.0.0.1:PORT`; `auth` the (user, password) it requires, if any."""

    host: str
    auth: tuple[str, str] | None = None

    def get(self, path: str, accept: str | None = None) -> tuple[int, dict[str, str], bytes]:
        """GET http://HOST/PATH (with the registry's credentials): status, headers, body."""
        request = urllib.request.Request(f"http://{self.host}{path}")
        if accept:
            request.add_header("Accept", accept)
        if self.auth:
            token = base64.b64encode(f"{self.auth[0]}:{self.auth[1]}".encode()).decode()
            request.add_header("Authorization", f"Basic {token}")
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, dict(exc.headers), exc.read()

    def tags(self, repository: str) -> list[str]:
        status, _, body = self.get(f"/v2/{repository}/tags/list")
        if status == 404:
            return []
        assert status == 200, body
        data: dict[str, Any] = json.loads(body)
        return list(data.get("tags") or [])


@contextmanager
def running_registry(directory: Path, auth: tuple[str, str] | None = None) -> Iterator[Registry]:
    """Serve a registry from `directory` (config, storage, log) until the block ends."""
    if shutil.which(REGISTRY_BINARY) is None:
        raise RuntimeError(f"{REGISTRY_BINARY} is not installed (Debian's docker-registry package)")
    directory.mkdir(parents=True, exist_ok=True)
    port = free_port()
    lines = [
        "version: 0.1",
        "log:",
        "  level: warn",
        "storage:",
        "  filesystem:",
        f"    rootdirectory: {directory / 'storage'}",
        "http:",
        f"  addr: 127.0.0.1:{port}",
    ]
    if auth is not None:
        hashed = bcrypt_hash(auth[1])
        if hashed is None:
            raise RuntimeError("libcrypt cannot make bcrypt hashes here")
        (directory / "htpasswd").write_text(f"{auth[0]}:{hashed}\n")
        lines += ["auth:", "  htpasswd:", "    realm: podium-test", f"    path: {directory / 'htpasswd'}"]
    config = directory / "config.yml"
    config.write_text("\n".join(lines) + "\n")
    log = (directory / "registry.log").open("wb")
    process = subprocess.Popen([REGISTRY_BINARY, "serve", str(config)], stdout=log, stderr=subprocess.STDOUT)
    registry = Registry(f"127.0.0.1:{port}", auth)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                status, _, _ = registry.get("/v2/")
                if status == 200:
                    break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the registry did not start: {(directory / 'registry.log').read_text()}")
            time.sleep(0.05)
        yield registry
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
