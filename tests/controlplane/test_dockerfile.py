"""The Dockerfiles Podium writes for podium/gradio Spaces (golden text), the packages.txt step run by the real
shell, the build context's tar (contents, modes, fixed times, same bytes every time), and a real Podman build
of a rendered context when Podman and the Space base image are on this machine."""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import shutil
import subprocess
import tarfile
from pathlib import Path

import anyio
import pytest

from podium.spaces import BundleFile, BundleManifest, SpaceMetadata
from podium_cp.builds import dockerfile as df
from podium_cp.builds.dockerfile import build_context, render_dockerfile

BASE = "localhost/podium-space-base:latest"

GOLDEN_FULL = f"""\
# Written by Podium for a podium Space; push your own Dockerfile with `sdk: docker` to change it.
FROM localhost/podium-space-base:latest
USER root
ENV PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_ROOT_USER_ACTION=ignore
COPY podium-ca.crt /etc/podium/ca.crt
ENV PIP_CERT=/etc/podium/ca.crt REQUESTS_CA_BUNDLE=/etc/podium/ca.crt SSL_CERT_FILE=/etc/podium/ca.crt
COPY packages.txt /tmp/podium/packages.txt
{df._APT_STEP}
COPY pre-requirements.txt /tmp/podium/pre-requirements.txt
RUN python -m pip install --progress-bar off -r /tmp/podium/pre-requirements.txt
COPY requirements.txt /tmp/podium/requirements.txt
RUN python -m pip install --progress-bar off -r /tmp/podium/requirements.txt
RUN id -u user >/dev/null 2>&1 || useradd --create-home --uid 1000 --shell /bin/bash user
WORKDIR /home/user/app
COPY --chown=1000:1000 . /home/user/app
USER user
ENV HOME=/home/user PODIUM_SERVER_NAME=0.0.0.0 GRADIO_SERVER_NAME=0.0.0.0 PODIUM_SERVER_PORT=7860 \
GRADIO_SERVER_PORT=7860
EXPOSE 7860
CMD ["python", "app.py"]
"""

GOLDEN_MINIMAL = """\
# Written by Podium for a gradio Space; push your own Dockerfile with `sdk: docker` to change it.
FROM localhost/podium-space-base:latest
USER root
ENV PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_ROOT_USER_ACTION=ignore
RUN id -u user >/dev/null 2>&1 || useradd --create-home --uid 1000 --shell /bin/bash user
WORKDIR /home/user/app
COPY --chown=1000:1000 . /home/user/app
USER user
ENV HOME=/home/user PODIUM_SERVER_NAME=0.0.0.0 GRADIO_SERVER_NAME=0.0.0.0 PODIUM_SERVER_PORT=7860 \
GRADIO_SERVER_PORT=7860
EXPOSE 7860
CMD ["python", "src/my \\"app\\".py"]
"""


def test_full_dockerfile() -> None:
    files = {"app.py", "README.md", "packages.txt", "pre-requirements.txt", "requirements.txt", "lib/x.py"}
    text = render_dockerfile(SpaceMetadata(), files, base_image=BASE, ca_bundle=True)
    assert text == GOLDEN_FULL


def test_minimal_gradio_dockerfile_quotes_the_app_file() -> None:
    metadata = SpaceMetadata(sdk="gradio", app_file='src/my "app".py')
    text = render_dockerfile(metadata, {'src/my "app".py'}, base_image=BASE, ca_bundle=False)
    assert text == GOLDEN_MINIMAL


def test_dependencies_come_before_the_code() -> None:
    """A code-only change must reuse the dependency layers: requirements are copied alone, the rest afterwards."""
    text = render_dockerfile(SpaceMetadata(), {"app.py", "requirements.txt"}, base_image=BASE, ca_bundle=False)
    assert text.index("COPY requirements.txt") < text.index("RUN python -m pip") < text.index("COPY --chown")
    assert "packages.txt" not in text and "pre-requirements" not in text and "podium-ca.crt" not in text


def test_docker_spaces_and_bad_base_images_are_refused() -> None:
    with pytest.raises(ValueError, match="own Dockerfile"):
        render_dockerfile(SpaceMetadata(sdk="docker"), {"Dockerfile"}, base_image=BASE, ca_bundle=False)
    with pytest.raises(ValueError, match="not an image reference"):
        render_dockerfile(SpaceMetadata(), {"app.py"}, base_image="x\nRUN rm -rf /", ca_bundle=False)


def _run_apt_step(tmp_path: Path, packages: str) -> subprocess.CompletedProcess[str]:
    """The RUN line's shell, run by the real sh with `apt-get` replaced by a script that prints its arguments."""
    (tmp_path / "bin").mkdir()
    fake = tmp_path / "bin" / "apt-get"
    fake.write_text('#!/bin/sh\necho "apt-get $*"\n')
    fake.chmod(0o755)
    (tmp_path / "packages.txt").write_text(packages)
    script = df._APT_STEP.removeprefix("RUN ").replace("/tmp/podium/packages.txt", str(tmp_path / "packages.txt"))
    script = script.replace("rm -rf /var/lib/apt/lists/*", "true")
    env = {**os.environ, "PATH": f"{tmp_path / 'bin'}:{os.environ['PATH']}"}
    return subprocess.run(["sh", "-c", script], capture_output=True, text=True, env=env)


def test_packages_txt_one_per_line_with_comments(tmp_path: Path) -> None:
    done = _run_apt_step(tmp_path, "# system packages\nffmpeg  # audio\n\n  libsm6\r\nlibgl1=1.6.0-1\n")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "apt-get update", "apt-get install -y --no-install-recommends ffmpeg libsm6 libgl1=1.6.0-1"]


@pytest.mark.parametrize("bad", ["ffmpeg; rm -rf /", "two names", "$(reboot)", "-o=foo", "UPPER"])
def test_packages_txt_refuses_what_is_not_a_package_name(tmp_path: Path, bad: str) -> None:
    done = _run_apt_step(tmp_path, f"ffmpeg\n{bad}\n")
    assert done.returncode == 1 and "not a Debian package name" in done.stderr and "apt-get" not in done.stdout


def test_packages_txt_with_only_comments_installs_nothing(tmp_path: Path) -> None:
    done = _run_apt_step(tmp_path, "# nothing yet\n\n")
    assert done.returncode == 0 and done.stdout == ""


def _bundle(files: dict[str, tuple[bytes, bool]]) -> tuple[BundleManifest, dict[str, bytes]]:
    entries = tuple(BundleFile(p, len(d), hashlib.sha256(d).hexdigest(), x) for p, (d, x) in files.items())
    return BundleManifest(files=entries), {hashlib.sha256(d).hexdigest(): d for d, _ in files.values()}


def _context(manifest: object, blobs: dict[str, bytes], dockerfile: str | None) -> bytes:
    async def fetch(sha256: str) -> bytes:
        return blobs[sha256]

    return anyio.run(lambda: build_context(manifest, fetch, dockerfile=dockerfile))  # type: ignore[arg-type]


FILES = {"app.py": (b"print('hi')\n", False), "run.sh": (b"#!/bin/sh\n", True), "lib/util.py": (b"X = 1\n", False),
         "Dockerfile": (b"FROM scratch\n", False), "copy.py": (b"print('hi')\n", False)}


def test_context_tar_holds_the_files_and_the_dockerfile() -> None:
    manifest, blobs = _bundle(FILES)
    data = _context(manifest, blobs, "FROM base\n")
    assert data[:2] == b"\x1f\x8b"
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        members = tar.getmembers()
        assert [m.name for m in members] == ["Dockerfile", "app.py", "copy.py", "lib/util.py", "run.sh"]
        assert {m.name: m.mode for m in members}["run.sh"] == 0o755
        assert {m.mode for m in members if m.name != "run.sh"} == {0o644}
        assert {(m.mtime, m.uid, m.gid, m.uname, m.gname) for m in members} == {(df.CONTEXT_MTIME, 0, 0, "", "")}
        read = {m.name: tar.extractfile(m).read() for m in members}  # type: ignore[union-attr]
    assert read["Dockerfile"] == b"FROM base\n"  # ours replaces the Space's
    assert read["copy.py"] == read["app.py"] == b"print('hi')\n" and read["lib/util.py"] == b"X = 1\n"


def test_context_is_the_same_bytes_every_time() -> None:
    manifest, blobs = _bundle(FILES)
    as_stored = {"files": [{"path": f.path, "size": f.size, "sha256": f.sha256, "mode": f.mode}
                           for f in reversed(manifest.files)]}
    first = _context(manifest, blobs, "FROM base\n")
    assert _context(as_stored, blobs, "FROM base\n") == first
    assert gzip.decompress(first) == gzip.decompress(_context(manifest, blobs, "FROM base\n"))


def test_docker_spaces_use_their_own_dockerfile() -> None:
    manifest, blobs = _bundle(FILES)
    with tarfile.open(fileobj=io.BytesIO(_context(manifest, blobs, None)), mode="r:gz") as tar:
        assert tar.extractfile("Dockerfile").read() == b"FROM scratch\n"  # type: ignore[union-attr]
    no_dockerfile, blobs = _bundle({"app.py": (b"x", False)})
    with pytest.raises(ValueError, match="no Dockerfile"):
        _context(no_dockerfile, blobs, None)


def test_a_content_of_the_wrong_size_is_refused() -> None:
    manifest, blobs = _bundle({"app.py": (b"x", False)})
    blobs = {k: b"xy" for k in blobs}
    with pytest.raises(ValueError, match="the manifest says 1"):
        _context(manifest, blobs, "FROM base\n")


def _have_base_image() -> bool:
    if shutil.which("podman") is None:
        return False
    return subprocess.run(["podman", "image", "exists", BASE], capture_output=True).returncode == 0


@pytest.mark.skipif(not _have_base_image(), reason="needs Podman and the Space base image (infra/space-image/build.sh)")
def test_a_rendered_context_builds_and_runs_as_user_on_port_7860(tmp_path: Path) -> None:
    app = (b"import os\nprint('uid', os.getuid(), os.getcwd(), os.environ['PODIUM_SERVER_NAME'],"
           b" os.environ['PODIUM_SERVER_PORT'], sorted(os.listdir('lib')))\n")
    files = {"app.py": (app, False), "lib/util.py": (b"X = 1\n", False), "packages.txt": (b"# none\n", False)}
    manifest, blobs = _bundle(files)
    text = render_dockerfile(SpaceMetadata(), manifest.paths, base_image=BASE, ca_bundle=False)
    (tmp_path / "context.tar.gz").write_bytes(_context(manifest, blobs, text))
    tag = f"localhost/podium-test-dockerfile:{os.getpid()}"
    try:
        built = subprocess.run(["podman", "build", "--network=none", "-q", "-t", tag, "-"],
                               stdin=(tmp_path / "context.tar.gz").open("rb"), capture_output=True, text=True,
                               timeout=300)
        assert built.returncode == 0, built.stderr
        ran = subprocess.run(["podman", "run", "--rm", "--network=none", tag], capture_output=True, text=True,
                             timeout=120)
        assert ran.returncode == 0, ran.stderr
        assert ran.stdout.strip() == "uid 1000 /home/user/app 0.0.0.0 7860 ['util.py']"
    finally:
        subprocess.run(["podman", "rmi", "-f", tag], capture_output=True)
