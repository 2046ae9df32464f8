"""`FileContext`: where the engine meets `podium.files` (input paths resolved, output files cached)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from podium.exceptions import Error
from podium.files.filedata import FILE_DATA_TYPE, file_url, map_file_data

if TYPE_CHECKING:
    from podium.files.cache import FileCache
    from podium.files.policy import FilePolicy


def has_file_data(value: Any) -> bool:
    """Whether a payload holds a FileData dict anywhere (cheap for plain strings and numbers)."""
    if isinstance(value, dict):
        meta = value.get("meta")
        if isinstance(meta, dict) and meta.get("_type") == FILE_DATA_TYPE and isinstance(value.get("path"), str):
            return True
        return any(isinstance(v, (dict, list, tuple)) and has_file_data(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(isinstance(v, (dict, list, tuple)) and has_file_data(v) for v in value)
    return False


def _is_url(path: str) -> bool:
    return path.startswith(("http://", "https://"))


@dataclass
class FileContext:
    """The file cache and the access policy one app serves files with."""

    cache: FileCache
    policy: FilePolicy

    @classmethod
    def create(cls, root: str | Path | None = None, **policy_options: Any) -> FileContext:
        """A cache under `root` (a temporary directory when None) and a policy with `policy_options`."""
        from podium.files.cache import FileCache
        from podium.files.policy import FilePolicy

        cache = FileCache(root)
        return cls(cache=cache, policy=FilePolicy(cache, **policy_options))

    def resolve_inputs(self, payload: Any) -> Any:
        """Replace the `path` of every input FileData with the checked absolute path (blocking: file system)."""
        return map_file_data(payload, self._resolve_one)

    def _resolve_one(self, data: dict[str, Any]) -> dict[str, Any]:
        from podium.files.cache import FileTooLarge
        from podium.files.policy import FileAccessDenied

        path = data["path"]
        try:
            if _is_url(path):
                # gradio_client sends `handle_file("https://...")` as a URL: fetch it (public hosts only)
                from podium.files.fetch import download_to_cache

                cache_id = download_to_cache(path, self.cache)
                resolved = self.cache.path_of(cache_id)
                return {**data, "path": str(resolved), "orig_name": data.get("orig_name") or resolved.name}
            resolved = self.policy.resolve_input(path)
        except (FileAccessDenied, FileTooLarge) as exc:
            raise Error(exc.message) from None
        return {**data, "path": str(resolved)}

    def cache_outputs(self, payload: Any, root_url: str) -> Any:
        """Copy every output file into the cache and point `path`/`url` at it (blocking: file system)."""
        return map_file_data(payload, lambda data: self._cache_one(data, root_url))

    def _cache_one(self, data: dict[str, Any], root_url: str) -> dict[str, Any]:
        from podium.files.policy import FileAccessDenied

        path = data["path"]
        if _is_url(path):
            return {**data, "url": data.get("url") or path}
        try:
            checked = self.policy.check_output(path)
        except FileAccessDenied as exc:
            raise Error(exc.message) from None
        cache_id = self.cache.save_file(checked)  # a file already in the cache keeps its id, no copy
        try:
            size: int | None = self.cache.path_of(cache_id).stat().st_size
        except (OSError, FileAccessDenied):
            size = data.get("size")
        return {
            **data,
            "path": cache_id,
            "url": file_url(root_url, cache_id),
            "size": size,
            "orig_name": data.get("orig_name") or checked.name,
        }
