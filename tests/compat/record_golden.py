"""Record `golden/<app>.json` from the real Gradio: run with a venv that has gradio==6.31.0, for example

    .venv-gradio/bin/python tests/compat/record_golden.py

Each app is imported with `import podium` pointing at `gradio`, launched, and described by a real
`gradio_client.Client`; only what `golden_api.normalize_view_api` keeps is written.
"""

from __future__ import annotations

import importlib.util
import json
import os
import socket
import sys
from pathlib import Path

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
sys.path.insert(0, str(Path(__file__).parent))

import gradio  # noqa: E402
from golden_api import APPS_DIR, GOLDEN_DIR, app_names, normalize_view_api  # noqa: E402
from gradio_client import Client  # noqa: E402

sys.modules["podium"] = gradio


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def main() -> None:
    assert gradio.__version__ == "6.31.0", f"record from Gradio 6.31.0, not {gradio.__version__}"
    GOLDEN_DIR.mkdir(exist_ok=True)
    for name in app_names():
        spec = importlib.util.spec_from_file_location(f"compat_apps.{name}", APPS_DIR / f"{name}.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module
        spec.loader.exec_module(module)
        demo = module.demo
        launch_kwargs = getattr(module, "LAUNCH_KWARGS", {})
        demo.launch(prevent_thread_lock=True, server_port=free_port(), quiet=True, **launch_kwargs)
        try:
            client = Client(
                demo.local_url,
                verbose=False,
                analytics_enabled=False,
                download_files=False,
                auth=launch_kwargs.get("auth"),
            )
            info = normalize_view_api(client.view_api(return_format="dict", print_info=False))
            client.close()
        finally:
            demo.close(verbose=False)
        (GOLDEN_DIR / f"{name}.json").write_text(json.dumps(info, indent=1, sort_keys=True) + "\n")
        print(f"recorded {name}")


if __name__ == "__main__":
    main()
