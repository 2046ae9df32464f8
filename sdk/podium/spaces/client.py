"""`SpacesClient`: the Spaces API of a Podium server (docs/design/spaces.md), as `podium push` and
`podium spaces ...` call it.

Every failed call raises `SpacesError` with a one-line message (`status` and `code` say what the server
answered; `status` is None when it could not be reached). Lists follow `next_cursor` to the end.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import httpx

    from podium.spaces.bundle import BundleFile, BundleManifest

PAGE_LIMIT = 200  # the API's largest page


class SpacesError(Exception):
    """A Spaces API call failed; the message says why. `status`/`code`: the server's answer (None: unreachable)."""

    def __init__(self, message: str, status: int | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code


def server_events(lines: Iterator[str]) -> Iterator[tuple[str, str]]:
    """(event, data) of each server-sent event read from `lines`; `event` is "message" unless the server named it."""
    event, data = "message", list[str]()
    for line in lines:
        if not line:
            if data:
                yield event, "\n".join(data)
            event, data = "message", list[str]()
        elif line.startswith("event:"):
            event = line[6:].strip()
        elif line.startswith("data:"):
            data.append(line[5:].removeprefix(" "))
    if data:
        yield event, "\n".join(data)


class SpacesClient:
    """The Spaces API of `server`, signed in with an API token."""

    def __init__(self, server: str, token: str, transport: Any = None) -> None:
        import httpx

        self.server = server
        self.http = httpx.Client(
            base_url=server, headers={"Authorization": f"Bearer {token}"}, timeout=60.0, transport=transport
        )

    def close(self) -> None:
        """Close the connections."""
        self.http.close()

    # --- plumbing ---------------------------------------------------------------------------------

    def _request(self, method: str, path: str, doing: str, **kwargs: Any) -> httpx.Response:
        import httpx

        try:
            response = self.http.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise SpacesError(f"{doing}: cannot reach {self.server} ({exc or type(exc).__name__})") from None
        return response

    def _check(self, response: httpx.Response, doing: str) -> Any:
        if response.status_code >= 400:
            code = None
            try:
                error = response.json()["error"]
                code = str(error["code"])
                detail = f"{error['message']} ({code})"
            except (ValueError, KeyError, TypeError):
                detail = (response.text or "no details")[:300]
            raise SpacesError(
                f"{doing}: the server answered {response.status_code}: {detail}", response.status_code, code
            )
        return response.json() if response.content else None

    def _call(self, method: str, path: str, doing: str, **kwargs: Any) -> Any:
        return self._check(self._request(method, path, doing, **kwargs), doing)

    def _pages(self, path: str, doing: str, params: dict[str, str] | None = None) -> Iterator[dict[str, Any]]:
        query: dict[str, Any] = {**(params or {}), "limit": PAGE_LIMIT}
        while True:
            page = self._call("GET", path, doing, params=query)
            yield from page["items"]
            if not page.get("next_cursor"):
                return
            query["cursor"] = page["next_cursor"]

    def _stream(self, path: str, doing: str, params: dict[str, str]) -> Iterator[tuple[str, str]]:
        import httpx

        try:
            with self.http.stream("GET", path, params=params, timeout=httpx.Timeout(60.0, read=None)) as response:
                if response.status_code >= 400:
                    response.read()
                    self._check(response, doing)
                yield from server_events(response.iter_lines())
        except httpx.HTTPError as exc:
            raise SpacesError(f"{doing}: lost the connection to {self.server} ({exc or type(exc).__name__})") from None

    # --- Spaces -------------------------------------------------------------------------------------

    def spaces(self, owner: str | None = None, search: str | None = None) -> Iterator[dict[str, Any]]:
        """The Spaces you can see, newest first (optionally one owner's, or matching `search`)."""
        params = {k: v for k, v in (("owner", owner), ("search", search)) if v}
        return self._pages("/api/spaces", "Listing Spaces", params)

    def space(self, owner: str, name: str) -> dict[str, Any] | None:
        """The Space, or None when there is none you may see."""
        response = self._request("GET", f"/api/spaces/{owner}/{name}", f"Looking up {owner}/{name}")
        if response.status_code == 404:
            return None
        result: dict[str, Any] = self._check(response, f"Looking up {owner}/{name}")
        return result

    def create_space(self, owner: str, name: str, body: dict[str, Any]) -> dict[str, Any]:
        """Create the Space with the settings in `body` (sdk, title, hardware, visibility, sleep_time)."""
        result: dict[str, Any] = self._call(
            "POST", "/api/spaces", f"Creating {owner}/{name}", json={"owner": owner, "name": name, **body}
        )
        return result

    def update_space(self, owner: str, name: str, body: dict[str, Any]) -> dict[str, Any]:
        """Change settings (title, visibility, hardware, sleep_time); returns the Space."""
        result: dict[str, Any] = self._call("PATCH", f"/api/spaces/{owner}/{name}", f"Updating {owner}/{name}",
                                            json=body)
        return result

    def delete_space(self, owner: str, name: str) -> None:
        """Delete the Space (it stops, then is removed)."""
        self._call("DELETE", f"/api/spaces/{owner}/{name}", f"Deleting {owner}/{name}")

    def act(self, owner: str, name: str, action: str) -> dict[str, Any]:
        """`restart`, `pause` or `resume` the Space; returns it."""
        result: dict[str, Any] = self._call(
            "POST", f"/api/spaces/{owner}/{name}/{action}", f"Asking {owner}/{name} to {action}"
        )
        return result

    def rollback(self, owner: str, name: str, revision: int) -> dict[str, Any]:
        """A new revision with revision `revision`'s files, built like a push; returns `{revision, build, stage,
        stage_message}`."""
        result: dict[str, Any] = self._call(
            "POST", f"/api/spaces/{owner}/{name}/rollback", f"Rolling {owner}/{name} back to revision {revision}",
            json={"revision": revision},
        )
        return result

    def stages(self, owner: str, name: str, limit: int = 10) -> list[dict[str, Any]]:
        """The Space's last `limit` stage changes, newest first."""
        page = self._call("GET", f"/api/spaces/{owner}/{name}/stages", "Reading the stage history",
                          params={"limit": limit})
        return list(page["items"])

    # --- variables and secrets ------------------------------------------------------------------------

    def variables(self, owner: str, name: str) -> list[dict[str, Any]]:
        """The Space's variables (`name`, `value`), by name."""
        return list(self._pages(f"/api/spaces/{owner}/{name}/variables", "Listing variables"))

    def set_variable(self, owner: str, name: str, key: str, value: str) -> None:
        """Create or replace the variable `key`."""
        self._call("PUT", f"/api/spaces/{owner}/{name}/variables/{key}", f"Setting variable {key}",
                   json={"value": value})

    def delete_variable(self, owner: str, name: str, key: str) -> None:
        """Delete the variable `key`."""
        self._call("DELETE", f"/api/spaces/{owner}/{name}/variables/{key}", f"Deleting variable {key}")

    def secrets(self, owner: str, name: str) -> list[dict[str, Any]]:
        """The Space's secrets (`name`, `created_at`, `updated_at`; never values), by name."""
        return list(self._pages(f"/api/spaces/{owner}/{name}/secrets", "Listing secrets"))

    def set_secret(self, owner: str, name: str, key: str, value: str) -> None:
        """Create or replace the secret `key` (the server never shows it again)."""
        self._call("PUT", f"/api/spaces/{owner}/{name}/secrets/{key}", f"Setting secret {key}", json={"value": value})

    def delete_secret(self, owner: str, name: str, key: str) -> None:
        """Delete the secret `key`."""
        self._call("DELETE", f"/api/spaces/{owner}/{name}/secrets/{key}", f"Deleting secret {key}")

    # --- hardware -----------------------------------------------------------------------------------

    def flavors(self) -> list[dict[str, Any]]:
        """The installation's hardware flavors, smallest first."""
        return list(self._pages("/api/hardware", "Listing hardware"))

    def capacity(self) -> dict[str, Any]:
        """The runtime's node pools and, per flavor, how many more replicas fit now (GET /api/hardware/capacity)."""
        return dict(self._call("GET", "/api/hardware/capacity", "Reading the capacity"))

    # --- pushes, builds and logs ----------------------------------------------------------------------

    def missing(self, owner: str, name: str, digests: list[str]) -> set[str]:
        """Which of these content digests the server lacks."""
        body = self._call("POST", f"/api/spaces/{owner}/{name}/blobs/missing", "Asking which files the server lacks",
                          json={"digests": digests})
        return set(body["missing"])

    def upload(self, owner: str, name: str, file: BundleFile, content: Iterator[bytes]) -> None:
        """Upload one file's content."""
        self._call(
            "PUT",
            f"/api/spaces/{owner}/{name}/blobs/{file.sha256}",
            f"Uploading {file.path}",
            content=content,
            headers={"content-type": "application/octet-stream", "content-length": str(file.size)},
            timeout=600.0,
        )

    def create_revision(self, owner: str, name: str, manifest: BundleManifest, message: str) -> dict[str, Any]:
        """Create a revision from uploaded contents; returns `{revision, build, stage, stage_message}`."""
        files = [{"path": f.path, "size": f.size, "sha256": f.sha256, "mode": f.mode} for f in manifest.files]
        result: dict[str, Any] = self._call(
            "POST", f"/api/spaces/{owner}/{name}/revisions", "Creating the revision",
            json={"manifest": {"files": files}, "message": message},
        )
        return result

    def builds(self, owner: str, name: str, limit: int = 1) -> list[dict[str, Any]]:
        """The Space's last `limit` builds, newest first."""
        page = self._call("GET", f"/api/spaces/{owner}/{name}/builds", "Listing builds", params={"limit": limit})
        return list(page["items"])

    def build(self, owner: str, name: str, build_id: int) -> dict[str, Any]:
        """One build: `id`, `revision`, `status`, `error`, ..."""
        result: dict[str, Any] = self._call(
            "GET", f"/api/spaces/{owner}/{name}/builds/{build_id}", f"Looking up build {build_id}"
        )
        return result

    def build_log(self, owner: str, name: str, build_id: int) -> str:
        """The build's log so far, as text."""
        doing = f"Reading the log of build {build_id}"
        response = self._request("GET", f"/api/spaces/{owner}/{name}/builds/{build_id}/logs", doing)
        if response.status_code >= 400:
            self._check(response, doing)
        return response.text

    def follow_build_log(self, owner: str, name: str, build_id: int, out: Callable[[str], object]) -> None:
        """Print the build's log as it is written, until the build ends (server-sent events)."""
        path = f"/api/spaces/{owner}/{name}/builds/{build_id}/logs"
        for _, data in self._stream(path, "Following the build log", {"follow": "true"}):
            out(data)

    def runtime_logs(self, owner: str, name: str, tail: int) -> dict[str, Any]:
        """The last `tail` lines of the Space's container: `{lines, container, note}`."""
        result: dict[str, Any] = self._call(
            "GET", f"/api/spaces/{owner}/{name}/logs", "Reading the Space's log", params={"tail": tail}
        )
        return result

    def follow_runtime_logs(self, owner: str, name: str, tail: int) -> Iterator[tuple[str, str]]:
        """The Space's log as server-sent events (`message` lines, `container`, `note`, `error`, `end`)."""
        return self._stream(f"/api/spaces/{owner}/{name}/logs", "Following the Space's log",
                            {"follow": "true", "tail": str(tail)})
