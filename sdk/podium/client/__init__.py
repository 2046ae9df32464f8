"""`podium.client`: call Podium and Gradio apps from Python.

>>> from podium.client import Client, handle_file
>>> with Client("http://127.0.0.1:7860/") as client:
...     client.predict("World", api_name="/greet")

Importing `podium` does not import this package; import it explicitly. It needs `httpx`.
"""

from __future__ import annotations

from podium.client.async_client import AsyncClient, AsyncJob
from podium.client.client import Client
from podium.client.errors import (
    AppError,
    ArgumentError,
    AuthenticationError,
    CancelledError,
    ClientError,
    EndpointNotFoundError,
    QueueFullError,
    ServerConnectionError,
    ValidationError,
)
from podium.client.files import handle_file
from podium.client.job import Job
from podium.client.status import ProgressUnit, Status, StatusUpdate

__all__ = [
    "AppError",
    "ArgumentError",
    "AsyncClient",
    "AsyncJob",
    "AuthenticationError",
    "CancelledError",
    "Client",
    "ClientError",
    "EndpointNotFoundError",
    "Job",
    "ProgressUnit",
    "QueueFullError",
    "ServerConnectionError",
    "Status",
    "StatusUpdate",
    "ValidationError",
    "handle_file",
]
