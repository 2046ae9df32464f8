"""The Dockerfile Podium writes for `podium` and `gradio` Spaces, and the build context of a revision.

The layers go from what changes least to what changes most, so a push that only changes code reuses the
system-package and dependency layers: base image, CA bundle, `packages.txt` (apt), `pre-requirements.txt` then
`requirements.txt` (pip, each copied alone), and only then the rest of the files. The app runs as the non-root
user `user` (uid 1000) from `/home/user/app`, listening on 0.0.0.0:7860. A `docker` Space's own Dockerfile is
used as it is. `build_context` packs a revision's files as a gzipped tar with fixed times and owners: the same
revision always gives the same bytes.
"""

from __future__ import annotations

import gzip
import io
import json
import re
import tarfile
from collections.abc import Awaitable, Callable, Collection, Mapping
from typing import Any

from anyio import to_thread

from podium.spaces import BundleManifest, SpaceMetadata

__all__ = [
    "APP_DIR",
    "APP_PORT",
    "CA_BUNDLE_FILE",
    "CONTEXT_MTIME",
    "build_context",
    "render_dockerfile",
]

APP_PORT = 7860
APP_DIR = "/home/user/app"
APP_UID = 1000
CA_BUNDLE_FILE = "podium-ca.crt"  # where the engine puts the CA bundle in the context (builds/engine.py)
CA_BUNDLE_PATH = "/etc/podium/ca.crt"
CONTEXT_MTIME = 946684800  # 2000-01-01: every file of a context gets it, so the same files give the same tar
_IMAGE_REF = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/@-]*")

# packages.txt: one Debian package per line (`name` or `name=version`), `#` comments and blank lines allowed.
# Checked in the build itself, so the layer depends on the file's content only; a bad line fails the build.
_APT_STEP = r"""RUN set -eu; \
    names="$(sed -e 's/#.*//' -e 's/^[[:space:]]*//' -e 's/[[:space:]]*$//' /tmp/podium/packages.txt | grep -v '^$' || true)"; \
    bad="$(printf '%s\n' "$names" | grep -vE '^([a-z0-9][a-z0-9+.-]+(=[A-Za-z0-9.+~:-]+)?)?$' || true)"; \
    if [ -n "$bad" ]; then echo "packages.txt: not a Debian package name (write one per line): $bad" >&2; exit 1; fi; \
    if [ -n "$names" ]; then \
      apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $names \
      && rm -rf /var/lib/apt/lists/*; \
    fi"""


def render_dockerfile(metadata: SpaceMetadata, files: Collection[str], *, base_image: str, ca_bundle: bool) -> str:
    """The Dockerfile of a `podium` or `gradio` Space whose revision holds `files` (relative paths).

    `base_image` is the Space base image (Debian, with Python and podium in a venv on PATH); with `ca_bundle`
    the context carries `podium-ca.crt`, which pip, requests and OpenSSL then trust (at build and run time).
    Raises ValueError for a `docker` Space (its own Dockerfile is built) or a base image that is not a reference.
    """
    if metadata.sdk == "docker":
        raise ValueError("A docker Space is built from its own Dockerfile; render_dockerfile is for podium/gradio")
    if not _IMAGE_REF.fullmatch(base_image):
        raise ValueError(f"{base_image!r} is not an image reference")
    lines = [
        f"# Written by Podium for a {metadata.sdk} Space; push your own Dockerfile with `sdk: docker` to change it.",
        f"FROM {base_image}",
        "USER root",
        "ENV PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_ROOT_USER_ACTION=ignore",
    ]
    if ca_bundle:
        lines += [
            f"COPY {CA_BUNDLE_FILE} {CA_BUNDLE_PATH}",
            f"ENV PIP_CERT={CA_BUNDLE_PATH} REQUESTS_CA_BUNDLE={CA_BUNDLE_PATH} SSL_CERT_FILE={CA_BUNDLE_PATH}",
        ]
    if "packages.txt" in files:
        lines += ["COPY packages.txt /tmp/podium/packages.txt", _APT_STEP]
    for requirements in ("pre-requirements.txt", "requirements.txt"):
        if requirements in files:
            lines += [
                f"COPY {requirements} /tmp/podium/{requirements}",
                f"RUN python -m pip install --progress-bar off -r /tmp/podium/{requirements}",
            ]
    lines += [
        f"RUN id -u user >/dev/null 2>&1 || useradd --create-home --uid {APP_UID} --shell /bin/bash user",
        f"WORKDIR {APP_DIR}",
        f"COPY --chown={APP_UID}:{APP_UID} . {APP_DIR}",
        "USER user",
        f"ENV HOME=/home/user PODIUM_SERVER_NAME=0.0.0.0 GRADIO_SERVER_NAME=0.0.0.0 PODIUM_SERVER_PORT={APP_PORT} "
        f"GRADIO_SERVER_PORT={APP_PORT}",
        f"EXPOSE {APP_PORT}",
        f"CMD {json.dumps(['python', metadata.app_file])}",
    ]
    return "\n".join(lines) + "\n"


def _entries(manifest: BundleManifest | Mapping[str, Any]) -> list[tuple[str, int, str, int]]:
    """(path, size, sha256, mode) of every file, in path order."""
    if isinstance(manifest, BundleManifest):
        found = [(f.path, f.size, f.sha256, f.mode) for f in manifest.files]
    else:
        found = [(str(f["path"]), int(f["size"]), str(f["sha256"]), int(f.get("mode", 0o644)))
                 for f in manifest.get("files", [])]
    return sorted(found)


def _tar_member(name: str, size: int, mode: int) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = size, mode, CONTEXT_MTIME
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    return info


def _pack(members: list[tuple[str, int, bytes]]) -> bytes:
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name, mode, data in members:
            tar.addfile(_tar_member(name, len(data), mode), io.BytesIO(data))
    out = io.BytesIO()
    # mtime=0 and no file name in the gzip header: the same tar always compresses to the same bytes.
    with gzip.GzipFile(filename="", fileobj=out, mode="wb", compresslevel=6, mtime=0) as gz:
        gz.write(raw.getvalue())
    return out.getvalue()


async def build_context(
    manifest: BundleManifest | Mapping[str, Any],
    fetch_blob: Callable[[str], Awaitable[bytes]],
    *,
    dockerfile: str | None = None,
) -> bytes:
    """A gzipped tar of the revision's files (contents from `fetch_blob(sha256)`, e.g. `ObjectStore.get_blob`).

    `dockerfile` (from `render_dockerfile`) becomes the context's `Dockerfile`, in place of any file of that name;
    without it the revision must hold its own `Dockerfile` (docker Spaces). Files keep their mode (0o644 / 0o755)
    and get uid 0 and a fixed mtime. Raises ValueError when there is no Dockerfile or a content has the wrong size.
    """
    entries = _entries(manifest)
    if dockerfile is None and "Dockerfile" not in {path for path, *_ in entries}:
        raise ValueError("The revision has no Dockerfile and none was given")
    contents: dict[str, bytes] = {}
    members: list[tuple[str, int, bytes]] = []
    for path, size, sha256, mode in entries:
        if dockerfile is not None and path == "Dockerfile":
            continue
        if sha256 not in contents:
            contents[sha256] = await fetch_blob(sha256)
        data = contents[sha256]
        if len(data) != size:
            raise ValueError(f"{path}: the stored content has {len(data)} bytes, the manifest says {size}")
        members.append((path, mode, data))
    if dockerfile is not None:
        members.append(("Dockerfile", 0o644, dockerfile.encode()))
        members.sort()
    return await to_thread.run_sync(_pack, members)
