"""Launching a test suite's example apps (`tests/compat/apps`, `tests/e2e/apps`): each app module builds `demo`
on import and is launched once per session, on a free port, the first time a test asks for it."""

from __future__ import annotations

import importlib.util
import socket
import sys
from pathlib import Path
from types import ModuleType


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def load_app(apps_dir: Path, module_prefix: str, name: str) -> ModuleType:
    """Import `<apps_dir>/<name>.py` as `<module_prefix>.<name>` (the module builds `demo` on import)."""
    module_name = f"{module_prefix}.{name}"
    if module_name in sys.modules:
        return sys.modules[module_name]
    spec = importlib.util.spec_from_file_location(module_name, apps_dir / f"{name}.py")
    assert spec is not None and spec.loader is not None, f"no app named {name!r} in {apps_dir}"
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return module


class RunningApps:
    """Apps launched so far in this session, by name; each is launched on first use."""

    def __init__(self, apps_dir: Path, module_prefix: str) -> None:
        self.apps_dir = apps_dir
        self.module_prefix = module_prefix
        self._apps: dict[str, ModuleType] = {}

    def get(self, name: str) -> ModuleType:
        if name not in self._apps:
            module = load_app(self.apps_dir, self.module_prefix, name)
            extra = dict(getattr(module, "LAUNCH_KWARGS", {}))  # what the app passes to launch() when run as a script
            module.demo.launch(prevent_thread_lock=True, server_port=free_port(), quiet=True, **extra)
            assert module.demo.local_url, f"{name}: launch() did not set demo.local_url"
            self._apps[name] = module
        return self._apps[name]

    def close_all(self) -> None:
        for module in self._apps.values():
            module.demo.close()
        self._apps.clear()
