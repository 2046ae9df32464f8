"""`Client`: call a running Podium or Gradio app from Python over the Gradio wire protocol (`sse_v3`)."""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import TracebackType
from typing import Any, Literal

from podium.client.api_docs import render_api
from podium.client.endpoints import Endpoint, EndpointTable
from podium.client.errors import AuthenticationError, ClientError
from podium.client.files import FileTransfer, default_download_dir
from podium.client.heartbeat import Heartbeat
from podium.client.job import Job
from podium.client.sse import EventStream
from podium.client.transport import Transport, check_response, response_detail

_DEFAULT: Any = object()
_PROTOCOLS = ("sse_v1", "sse_v2", "sse_v2.1", "sse_v3")  # all use queue/join plus one session stream
_SUBMIT_THREADS = 32  # joins in flight at once for submit(); predict() joins in the caller's thread


class Client:
    """A connection to one running app.

    >>> from podium.client import Client
    >>> client = Client("http://127.0.0.1:7860/")
    >>> client.predict("World", api_name="/greet")
    'Hello, World!'

    `auth=(username, password)` logs in first. `download_files` is the folder output files are saved to
    (a temp folder by default), or False to get the FileData dicts instead. `headers` are sent with every
    request and `httpx_kwargs` go to the underlying `httpx.Client` (for example `verify=False`).
    The client is safe to share between threads; use it as a context manager or call `close()`.
    """

    def __init__(
        self,
        src: str,
        *,
        auth: tuple[str, str] | None = None,
        headers: dict[str, str] | None = None,
        download_files: str | os.PathLike[str] | Literal[False] = _DEFAULT,
        verbose: bool = False,
        httpx_kwargs: dict[str, Any] | None = None,
    ) -> None:
        self.src = _normalize_src(src)
        self.verbose = verbose
        if download_files is _DEFAULT:
            self.download_dir: Path | None = default_download_dir()
        elif download_files is False:
            self.download_dir = None
        else:
            self.download_dir = Path(download_files)
        self._transport = Transport(self.src, headers, httpx_kwargs)
        try:
            if auth is not None:
                self._login(auth)
            self.config: dict[str, Any] = self._fetch_config()
            self.protocol: str = self.config["protocol"]
            self._generator_diffs = self.protocol != "sse_v1"  # from sse_v2 on, updates after the first are diffs
            prefix = str(self.config.get("api_prefix") or "").strip("/")
            self._api_url = self.src + (prefix + "/" if prefix else "")
            self._info = _public_info(self._fetch_info())
            self.endpoints = EndpointTable(self.config, self._info)
            self._transport.enable_fast_path()
        except BaseException:
            self._transport.close()
            raise
        self._files = FileTransfer(self._transport, self._api_url, self.download_dir,
                                   self.config.get("max_file_size"))
        self._lock = threading.Lock()
        self._executor: ThreadPoolExecutor | None = None
        self._closed = False
        self.session_hash = ""
        self._stream: EventStream
        self._heartbeat: Heartbeat | None = None
        self._start_session()
        if verbose:
            print(f"Loaded as API: {self.src} ✔")

    # -- calling endpoints ---------------------------------------------------------------------

    def predict(self, *args: Any, api_name: str | None = None, fn_index: int | None = None, **kwargs: Any) -> Any:
        """Call an endpoint and wait for its result (the final value for generators).

        Positional and keyword arguments follow the endpoint's parameters (see `view_api()`); missing ones
        take the app's defaults. Several outputs come back as a tuple, one as a bare value.
        """
        job = self._new_job(args, kwargs, api_name, fn_index)
        job._join()
        return job.result()

    def submit(
        self,
        *args: Any,
        api_name: str | None = None,
        fn_index: int | None = None,
        result_callbacks: Callable[..., Any] | list[Callable[..., Any]] | None = None,
        **kwargs: Any,
    ) -> Job:
        """Start a call without waiting and return its `Job` (iterate it, or call `result()`).

        `result_callbacks` (one callable or a list) run in a pool thread once the call succeeds, with the
        outputs as separate arguments, as `gradio_client` does.
        """
        job = self._new_job(args, kwargs, api_name, fn_index)
        executor = self._pool()
        if result_callbacks is not None:
            callbacks = result_callbacks if isinstance(result_callbacks, list) else [result_callbacks]
            _call_back_when_done(job, callbacks, executor)
        executor.submit(job._join)
        return job

    def _pool(self) -> ThreadPoolExecutor:
        with self._lock:
            if self._executor is None:
                self._executor = ThreadPoolExecutor(_SUBMIT_THREADS, thread_name_prefix="podium-client")
            return self._executor

    def endpoint(self, api_name: str | None = None, fn_index: int | None = None) -> Endpoint:
        """The endpoint that `predict(api_name=..., fn_index=...)` would call."""
        return self.endpoints.find(api_name, fn_index)

    def _new_job(self, args: tuple[Any, ...], kwargs: dict[str, Any], api_name: str | None,
                 fn_index: int | None) -> Job:
        if self._closed:
            raise ClientError("This Client is closed; create a new one.")
        endpoint = self.endpoints.find(api_name, fn_index)
        data = endpoint.build_data(args, kwargs)
        return Job(self, endpoint, data, self._stream)

    # -- API description -----------------------------------------------------------------------

    def view_api(
        self,
        all_endpoints: bool | None = None,
        print_info: bool = True,
        return_format: Literal["dict", "str"] | None = None,
    ) -> dict[str, Any] | str | None:
        """Show how to call each endpoint: its parameters (with types and defaults) and its returns.

        Prints the text when `print_info`; returns it when `return_format="str"`, or the /info dict of the
        callable endpoints when `return_format="dict"`. Makes no request (the info was read at connect).
        """
        text = render_api(self._info, all_endpoints)
        if print_info:
            print(text)
        if return_format == "str":
            return text
        if return_format == "dict":
            return self._info
        return None

    def __repr__(self) -> str:
        return f"Client({self.src!r})\n" + render_api(self._info)

    # -- session and lifetime ------------------------------------------------------------------

    def reset_session(self) -> None:
        """Start a new session: the app's State starts fresh. Jobs already running finish in the old one."""
        old_heartbeat = self._heartbeat
        self._start_session()
        if old_heartbeat is not None:
            old_heartbeat.stop()

    def close(self) -> None:
        """End the session: stop the heartbeat and the event stream, fail pending jobs, close connections."""
        if self._closed:
            return
        self._closed = True
        if self._heartbeat is not None:
            self._heartbeat.stop()
        self._stream.close()
        with self._lock:
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=False, cancel_futures=True)
        self._transport.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def _start_session(self) -> None:
        session_hash = str(uuid.uuid4())
        self._stream = EventStream(self._transport, self._api_url, session_hash)
        self.session_hash = session_hash
        if self.config.get("connect_heartbeat", True):
            self._heartbeat = Heartbeat(self._transport, self._api_url, session_hash)
        else:
            self._heartbeat = None

    # -- connecting ----------------------------------------------------------------------------

    def _login(self, auth: tuple[str, str]) -> None:
        username, password = auth
        response = self._transport.request("POST", self.src + "login",
                                           data={"username": username, "password": password})
        if response.status_code in (400, 401, 403):
            raise AuthenticationError(f"The app at {self.src} refused the username and password "
                                      f"({response_detail(response)}).")
        check_response(response, "log in")

    def _fetch_config(self) -> dict[str, Any]:
        response = self._transport.request("GET", self.src + "config")
        if response.status_code == 401:
            raise AuthenticationError(f"The app at {self.src} needs a login: pass auth=(username, password) to Client.")
        check_response(response, "read the app's config")
        try:
            config = response.json()
        except ValueError as exc:
            raise ClientError(f"{self.src}config did not return JSON; is this a Podium or Gradio app?") from exc
        if not isinstance(config, dict) or "dependencies" not in config:
            raise ClientError(f"{self.src}config is not an app config; is this a Podium or Gradio app?")
        protocol = config.get("protocol", "ws")
        if protocol not in _PROTOCOLS:
            raise ClientError(f"The app at {self.src} speaks protocol {protocol!r}; this client needs one of "
                              f"{', '.join(_PROTOCOLS)} (Podium, or Gradio 4.2 and later).")
        return config

    def _fetch_info(self) -> dict[str, Any]:
        response = self._transport.request("GET", self._api_url + "info", params={"serialize": "False"})
        check_response(response, "read the app's API info")
        info = response.json()
        if not isinstance(info, dict):
            raise ClientError(f"The app's API info at {self._api_url}info is not a JSON object.")
        return info


def _call_back_when_done(job: Job, callbacks: list[Callable[..., Any]], executor: ThreadPoolExecutor) -> None:
    fired = False

    def run() -> None:
        try:
            outputs = job.result(0)
        except Exception:  # noqa: BLE001 - failed jobs get no callback; result() reports the error
            return
        arguments = outputs if isinstance(outputs, tuple) else (outputs,)
        for callback in callbacks:
            callback(*arguments)

    def on_change() -> None:  # called with the job's condition held, on the reader thread: only schedule
        nonlocal fired
        if job._done and not fired:
            fired = True
            executor.submit(run)

    job._add_listener(on_change)


def _normalize_src(src: str) -> str:
    src = src.strip()
    if not src.startswith(("http://", "https://")):
        if "/" in src.split(":")[0] and not src.startswith(("localhost", "127.")):
            raise ClientError(f"{src!r} looks like a Hugging Face Space id; pass the app's URL instead "
                              "(for example https://owner-name.hf.space/).")
        src = "http://" + src
    return src if src.endswith("/") else src + "/"


def _public_info(info: dict[str, Any]) -> dict[str, Any]:
    """/info without what callers do not need (code snippets) or may not call (private endpoints)."""
    named: dict[str, Any] = {}
    for name, endpoint in (info.get("named_endpoints") or {}).items():
        endpoint = dict(endpoint)
        endpoint.pop("code_snippets", None)
        if endpoint.pop("api_visibility", "public") == "private" or endpoint.pop("show_api", True) is False:
            continue
        named[name] = endpoint
    return {"named_endpoints": named, "unnamed_endpoints": dict(info.get("unnamed_endpoints") or {})}
