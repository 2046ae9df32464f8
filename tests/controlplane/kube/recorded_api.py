"""A local HTTP server that replays recorded Kubernetes API responses and records what it was asked.

A real API server cannot run on these machines (no Kubernetes binaries), so KubernetesRuntime's tests point the
real `kubernetes` client at this server instead. Responses are JSON files in `recorded/`, written in the shapes
the Kubernetes API documents (apps/v1 Deployment, v1 PodList, NodeList, EventList, Status).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

RECORDED = Path(__file__).parent / "recorded"


def recorded(name: str) -> Any:
    """The recorded response `recorded/<name>.json`."""
    return json.loads((RECORDED / f"{name}.json").read_text())


def status(code: int, reason: str, message: str) -> dict[str, Any]:
    """A v1 Status, the body of every API error."""
    return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "message": message,
            "reason": reason, "code": code}


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    body: Any


class RecordedApi:
    """Replies per (method, path) with a recorded (status, body); an unknown route gets the API's 404 Status."""

    def __init__(self) -> None:
        self.routes: dict[tuple[str, str], tuple[int, Any]] = {}
        self.requests: list[Request] = []
        api = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self) -> None:
                url = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                query = {k: v[-1] for k, v in parse_qs(url.query).items()}
                api.requests.append(Request(self.command, url.path, query, json.loads(raw) if raw else None))
                code, body = api.routes.get((self.command, url.path), (404, None))
                if body is None and code == 404:
                    body = status(404, "NotFound", f"{url.path.rsplit('/', 1)[-1]} not found")
                data = body if isinstance(body, bytes) else json.dumps(body).encode()
                self.send_response(code)
                self.send_header("Content-Type", "text/plain" if isinstance(body, bytes) else "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _serve

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (the base class's name)
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)  # port 0: a free port
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def reply(self, method: str, path: str, body: Any, code: int = 200) -> None:
        self.routes[(method, path)] = (code, body)

    def asked(self, method: str | None = None) -> list[tuple[str, str]]:
        """(method, path) of each request, in order (only `method`'s when given)."""
        return [(r.method, r.path) for r in self.requests if method is None or r.method == method]

    def serve(self) -> Iterator[RecordedApi]:
        self._thread.start()
        try:
            yield self
        finally:
            self._server.shutdown()
            self._server.server_close()
