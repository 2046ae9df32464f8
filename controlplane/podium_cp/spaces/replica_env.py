"""What every Space replica is given besides its own variables and secrets: the built-in variables (Hugging
Face's names, plus Podium's) and the address of the API that stores its deep links (with the mount it needs)."""

from __future__ import annotations

from podium_cp.runtime.base import Mount
from podium_cp.settings import Settings

__all__ = ["API_SOCKET_MOUNT", "builtin_env", "deep_link_api"]

API_SOCKET_MOUNT = "/run/podium"  # where a replica sees the folder of the API's Unix socket


def builtin_env(settings: Settings, owner: str, name: str, *, title: str, hardware: str, revision: int) -> dict[str, str]:
    """The variables every Space container gets (Hugging Face's names, plus Podium's)."""
    return {
        "SPACE_ID": f"{owner}/{name}",
        "SPACE_AUTHOR_NAME": owner,
        "SPACE_REPO_NAME": name,
        "SPACE_TITLE": title or name,
        "SPACE_HOST": settings.space_host(owner, name),
        "SPACE_URL": settings.space_url(owner, name),
        "SPACE_HARDWARE": hardware,
        "SPACE_REVISION": str(revision),
        "SYSTEM": "spaces",
        "PODIUM_SPACE": "1",
    }


def deep_link_api(settings: Settings) -> tuple[str, tuple[Mount, ...]]:
    """PODIUM_DEEP_LINK_API of every replica, and the mount it needs: PODIUM_SPACES_API_URL when set (a cluster),
    else the API's Unix socket, its folder mounted read-only at /run/podium."""
    if settings.spaces_api_url:
        return settings.spaces_api_url, ()
    socket = settings.spaces_api_socket
    return (f"unix://{API_SOCKET_MOUNT}/{socket.name}",
            (Mount(host_path=str(socket.parent), container_path=API_SOCKET_MOUNT),))
