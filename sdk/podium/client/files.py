"""Files on the wire (spec section 5): `handle_file`, uploading local inputs, downloading FileData outputs."""

from __future__ import annotations

import hashlib
import os
import tempfile
import urllib.parse
from pathlib import Path
from typing import Any

from podium.client.errors import ClientError
from podium.client.transport import Transport, check_response
from podium.files.filedata import FILE_DATA_TYPE, is_file_data, map_file_data

_CHUNK = 1 << 16


def default_download_dir() -> Path:
    """Where output files go unless `Client(download_files=...)` says otherwise."""
    return Path(tempfile.gettempdir()) / "podium" / "client_downloads"


def is_url(value: str) -> bool:
    """Whether `value` is an http(s) URL (sent as is; the server fetches it)."""
    return value.startswith(("http://", "https://"))


def handle_file(path_or_url: str | os.PathLike[str]) -> dict[str, Any]:
    """Wrap a local path or an http(s) URL as a FileData input; the client uploads local files on send.

    >>> client.predict(handle_file("cat.png"), api_name="/classify")
    """
    value = os.fspath(path_or_url)
    data: dict[str, Any] = {"path": value, "meta": {"_type": FILE_DATA_TYPE}}
    if is_url(value):
        data["orig_name"] = urllib.parse.urlparse(value).path.rsplit("/", 1)[-1] or "file"
        data["url"] = value
        return data
    if not Path(value).is_file():
        raise FileNotFoundError(f"handle_file: {value!r} is neither an existing local file nor an http(s) URL.")
    data["orig_name"] = Path(value).name
    return data


def is_output_file(value: Any) -> bool:
    """Whether an output value is a file to download: FileData, or a dict with `path` and `url` (older apps)."""
    if is_file_data(value):
        return True
    return isinstance(value, dict) and isinstance(value.get("path"), str) and "url" in value and "meta" not in value


def _map_output_files(value: Any, fn: Any) -> Any:
    if is_output_file(value):
        return fn(value)
    if isinstance(value, list):
        return [_map_output_files(v, fn) for v in value]
    if isinstance(value, tuple):
        return tuple(_map_output_files(v, fn) for v in value)
    if isinstance(value, dict):
        return {k: _map_output_files(v, fn) for k, v in value.items()}
    return value


class FileTransfer:
    """Uploads the local files in a call's inputs and downloads the files in its outputs."""

    def __init__(self, transport: Transport, api_url: str, download_dir: Path | None,
                 max_file_size: int | None) -> None:
        self._transport = transport
        self._api_url = api_url
        self._download_dir = download_dir
        self._max_file_size = max_file_size

    # -- inputs --------------------------------------------------------------------------------

    def upload_inputs(self, data: list[Any]) -> list[Any]:
        """Return `data` with every local-path FileData replaced by the server path it was uploaded to.

        All local files of one call go up in one multipart request (one `files` part each).
        """
        local: list[dict[str, Any]] = []

        def collect(fd: dict[str, Any]) -> dict[str, Any]:
            if not is_url(fd["path"]) and not fd.get("is_stream"):
                local.append(fd)
            return fd

        map_file_data(data, collect)
        if not local:
            return data
        server_paths = self._upload([fd["path"] for fd in local])
        replacements = {id(fd): path for fd, path in zip(local, server_paths, strict=True)}

        def replace(fd: dict[str, Any]) -> dict[str, Any]:
            server_path = replacements.get(id(fd))
            if server_path is None:
                return fd
            name = fd.get("orig_name") or Path(fd["path"]).name
            return {"path": server_path, "orig_name": name, "meta": {"_type": FILE_DATA_TYPE}}

        return list(map_file_data(data, replace))

    def _upload(self, paths: list[str]) -> list[str]:
        for path in paths:
            if not Path(path).is_file():
                raise FileNotFoundError(f"Cannot upload {path!r}: no such file.")
            size = os.path.getsize(path)
            if self._max_file_size is not None and size > self._max_file_size:
                raise ClientError(
                    f"Cannot upload {path!r}: it is {size} bytes and the app accepts at most {self._max_file_size}."
                )
        handles = [open(path, "rb") for path in paths]  # noqa: SIM115 - closed below, after the request
        try:
            files = [("files", (Path(p).name, fh)) for p, fh in zip(paths, handles, strict=True)]
            response = self._transport.request("POST", self._api_url + "upload", files=files)
        finally:
            for fh in handles:
                fh.close()
        check_response(response, "upload files")
        server_paths = response.json()
        if not isinstance(server_paths, list) or len(server_paths) != len(paths):
            raise ClientError(f"The app's upload answer did not list one path per file: {server_paths!r}.")
        return [str(p) for p in server_paths]

    # -- outputs -------------------------------------------------------------------------------

    def download_outputs(self, value: Any) -> Any:
        """Return `value` with every output file replaced by a local path (or left as FileData when
        downloads are off)."""
        if self._download_dir is None:
            return value
        return _map_output_files(value, self._download)

    def _download(self, fd: dict[str, Any]) -> str:
        assert self._download_dir is not None
        if fd.get("is_stream") and fd.get("url"):
            url = urllib.parse.urljoin(self._transport.src, fd["url"])
            name = Path(urllib.parse.urlparse(url).path).name
        else:
            url = self._api_url + "file=" + urllib.parse.quote(fd["path"], safe="/")
            name = Path(fd["path"]).name
        name = name or fd.get("orig_name") or "file"
        self._download_dir.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        fd_tmp, tmp_path = tempfile.mkstemp(dir=self._download_dir, prefix=".part-")
        try:
            with os.fdopen(fd_tmp, "wb") as out, self._transport.stream("GET", url) as response:
                if not response.is_success:
                    response.read()
                    check_response(response, f"download the output file {fd['path']!r}")
                for chunk in response.iter_bytes(_CHUNK):
                    digest.update(chunk)
                    out.write(chunk)
            target_dir = self._download_dir / digest.hexdigest()
            target_dir.mkdir(exist_ok=True)
            target = target_dir / name
            os.replace(tmp_path, target)
        except BaseException:
            Path(tmp_path).unlink(missing_ok=True)
            raise
        return str(target)
