"""A small Gradio-protocol server (Starlette + uvicorn) for testing `podium.client`, and proof that it is faithful.

It is a fake: `podium.client` is tested against it because the real Podium server is written in parallel
and real Gradio is not installed in this venv. It follows ../shared/specs/gradio-wire-protocol.md (config,
info, queue/join, queue/data with diffs and close_stream, upload, file=, cancel, reset, heartbeat, login),
and the tests at the bottom run the real `gradio_client` 2.7 against it, so the fake cannot drift from the
protocol the real client speaks. Other `test_client_*` files load it by path (see their `_load_stub`).
"""

from __future__ import annotations

import asyncio
import hashlib
import inspect
import shutil
import socket
import tempfile
import threading
import urllib.parse
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import orjson
import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, Response, StreamingResponse
from starlette.routing import Route

FILE_SCHEMA = {  # the shape Gradio 6 sends for file components (pydantic, with $defs)
    "$defs": {"FileDataMeta": {"properties": {"_type": {"const": "gradio.FileData", "type": "string"}},
                               "required": ["_type"], "type": "object"}},
    "properties": {"path": {"type": "string"}, "url": {"anyOf": [{"type": "string"}, {"type": "null"}]},
                   "meta": {"$ref": "#/$defs/FileDataMeta",
                            "properties": {"_type": {"const": "gradio.FileData", "type": "string"}}}},
    "required": ["path"], "type": "object",
}
_SCHEMAS = {"textbox": {"type": "string"}, "number": {"type": "number"}, "json": {}, "file": FILE_SCHEMA,
            "chatbot": {"type": "array"}}
_PY_TYPES = {"textbox": "str", "number": "float", "json": "Any", "file": "filepath", "chatbot": "list"}


class StubAppError(Exception):
    """Raised by a stub function: reported like `gr.Error` (message and title shown)."""


@dataclass
class StubFn:
    """One endpoint of the stub app. `params` gives (name, default) per visible input; `...` = required."""

    api_name: str
    fn: Callable[..., Any]
    inputs: list[str]
    outputs: list[str]
    params: list[tuple[str, Any]] = field(default_factory=list)
    visibility: str = "public"


def _json(value: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(value), status_code=status, media_type="application/json")


def _diff(old: Any, new: Any) -> list[list[Any]]:
    """Edits from old to new, the way Gradio builds them (spec 3.4)."""
    if old == new:
        return []
    if type(old) is not type(new):
        return [["replace", [], new]]
    if isinstance(old, str) and new.startswith(old):
        return [["append", [], new[len(old):]]]
    if isinstance(old, list):
        edits: list[list[Any]] = []
        for i in range(min(len(old), len(new))):
            edits += [[op, [i, *path], v] for op, path, v in _diff(old[i], new[i])]
        edits += [["add", [i], new[i]] for i in range(len(old), len(new))]
        edits += [["delete", [i], None] for i in reversed(range(len(new), len(old)))]
        return edits
    if isinstance(old, dict):
        edits = []
        for key in old:
            if key in new:
                edits += [[op, [key, *path], v] for op, path, v in _diff(old[key], new[key])]
            else:
                edits.append(["delete", [key], None])
        edits += [["add", [key], new[key]] for key in new if key not in old]
        return edits
    return [["replace", [], new]]


class StubServer:
    """The app: functions, sessions, the per-session message queues, and a log of every request."""

    def __init__(self, fns: list[StubFn], *, auth: tuple[str, str] | None = None, connect_heartbeat: bool = False,
                 api_prefix: str = "/gradio_api", stream_heartbeat: float = 5.0, max_file_size: int | None = None):
        self.fns = fns
        self.auth = auth
        self.connect_heartbeat = connect_heartbeat
        self.prefix = api_prefix
        self.stream_heartbeat = stream_heartbeat
        self.max_file_size = max_file_size
        self.queue_full = False
        self.upload_dir = Path(tempfile.mkdtemp(prefix="podium-client-stub-"))
        self.requests: list[tuple[str, str, Any]] = []  # (method, path, json body or None)
        self.heartbeats: list[str] = []
        self.streams_opened = 0
        self.state: dict[tuple[str, int], Any] = {}
        self.queues: dict[str, asyncio.Queue[dict[str, Any]]] = {}
        self.pending: dict[str, set[str]] = {}
        self.tasks: dict[str, asyncio.Task[None]] = {}
        self.components, self.deps = self._layout()
        p = api_prefix
        routes = [Route("/config", self.config), Route("/login", self.login, methods=["POST"]),
                  Route(f"{p}/info", self.info), Route(f"{p}/queue/join", self.join, methods=["POST"]),
                  Route(f"{p}/queue/data", self.data), Route(f"{p}/upload", self.upload, methods=["POST"]),
                  Route(p + "/file={path:path}", self.file), Route(f"{p}/cancel", self.cancel, methods=["POST"]),
                  Route(f"{p}/reset", self.reset, methods=["POST"]), Route(p + "/heartbeat/{session}", self.heartbeat)]
        self.app = Starlette(routes=routes)

    # -- config and info ---------------------------------------------------------------------------

    def _layout(self) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        components: list[dict[str, Any]] = []
        deps = []
        for index, stub in enumerate(self.fns):
            ids: dict[str, list[int]] = {"inputs": [], "outputs": []}
            for side in ("inputs", "outputs"):
                for kind in getattr(stub, side):
                    states_in = [c for c, k in zip(ids["inputs"], stub.inputs) if k == "state"]
                    if side == "outputs" and kind == "state" and states_in:
                        ids[side].append(states_in[0])  # one gr.State is both input and output
                        continue
                    cid = len(components) + 1
                    entry: dict[str, Any] = {"id": cid, "type": kind, "props": {"label": f"{kind} {cid}"},
                                             "skip_api": kind == "state"}
                    if kind != "state":
                        entry["api_info"] = entry["api_info_as_input"] = entry["api_info_as_output"] = _SCHEMAS[kind]
                    components.append(entry)
                    ids[side].append(cid)
            deps.append({"id": index, "targets": [], "inputs": ids["inputs"], "outputs": ids["outputs"],
                         "api_name": stub.api_name, "api_visibility": stub.visibility, "backend_fn": True,
                         "queue": True, "types": {"generator": inspect.isgeneratorfunction(stub.fn)}})
        return components, deps

    def _authorized(self, request: Request) -> bool:
        return self.auth is None or request.cookies.get("access-token") == "ok"

    async def config(self, request: Request) -> Response:
        self.requests.append(("GET", "/config", None))
        if not self._authorized(request):
            return _json({"detail": {"error": "Not authenticated", "auth_message": None}}, 401)
        return _json({"version": "6.31.0", "api_prefix": self.prefix, "protocol": "sse_v3", "mode": "blocks",
                      "components": self.components, "dependencies": self.deps,
                      "connect_heartbeat": self.connect_heartbeat, "max_file_size": self.max_file_size,
                      "enable_queue": True, "layout": {"id": 0}})

    async def login(self, request: Request) -> Response:
        form = await request.form()
        if self.auth is None or (form.get("username"), form.get("password")) != self.auth:
            return _json({"detail": "Incorrect credentials."}, 400)
        response = _json({"success": True})
        response.set_cookie("access-token", "ok", httponly=True)
        return response

    async def info(self, request: Request) -> Response:
        self.requests.append(("GET", "/info", dict(request.query_params)))
        if not self._authorized(request):
            return _json({"detail": "Not authenticated"}, 401)
        named = {}
        for stub, dep in zip(self.fns, self.deps):
            if stub.visibility != "public":
                continue
            visible = [(cid, kind) for cid, kind in zip(dep["inputs"], stub.inputs) if kind != "state"]
            params = []
            for (_cid, kind), (name, default) in zip(visible, stub.params):
                params.append({"label": name, "parameter_name": name, "parameter_has_default": default is not ...,
                               "parameter_default": None if default is ... else default, "type": _SCHEMAS[kind],
                               "python_type": {"type": _PY_TYPES[kind], "description": ""},
                               "component": kind.capitalize(), "example_input": None})
            returns = [{"label": f"output {cid}", "type": _SCHEMAS[kind],
                        "python_type": {"type": _PY_TYPES[kind], "description": ""}, "component": kind.capitalize()}
                       for cid, kind in zip(dep["outputs"], stub.outputs) if kind != "state"]
            named["/" + stub.api_name] = {"parameters": params, "returns": returns, "api_visibility": "public",
                                          "code_snippets": {"python": "..."}}
        return _json({"named_endpoints": named, "unnamed_endpoints": {}})

    # -- queue -------------------------------------------------------------------------------------

    async def join(self, request: Request) -> Response:
        body = orjson.loads(await request.body())
        self.requests.append(("POST", "/queue/join", {**body, "x-gradio-user": request.headers.get("x-gradio-user")}))
        if not self._authorized(request):
            return _json({"detail": "Not authenticated"}, 401)
        if "session_hash" not in body:
            return _json({"detail": "Session hash not found."}, 400)
        if self.queue_full:
            return _json({"detail": "Queue is full. Max size is 0 and size is 0."}, 503)
        stub = self.fns[body["fn_index"]]
        if stub.api_name == "validated" and body["data"][0] == "bad":
            return _json({"detail": [{"__type__": "validate", "is_valid": False, "message": "must not be bad",
                                      "parameter_name": "x"}]}, 422)
        session, event_id = body["session_hash"], uuid.uuid4().hex
        self.queues.setdefault(session, asyncio.Queue())
        self.pending.setdefault(session, set()).add(event_id)
        self.tasks[event_id] = asyncio.create_task(self._run(session, event_id, body["fn_index"], body["data"]))
        return _json({"event_id": event_id})

    async def _run(self, session: str, event_id: str, fn_index: int, data: list[Any]) -> None:
        queue, stub, dep = self.queues[session], self.fns[fn_index], self.deps[fn_index]

        def send(msg: str, **fields: Any) -> None:
            queue.put_nowait({"msg": msg, "event_id": event_id, **fields})

        send("estimation", rank=0, queue_size=1, rank_eta=None)
        send("process_starts", eta=None)
        try:
            args = [self.state.get((session, cid)) if kind == "state" else self._resolve_input(value, kind)
                    for cid, kind, value in zip(dep["inputs"], stub.inputs, data)]
            if inspect.isasyncgenfunction(stub.fn) or inspect.isgeneratorfunction(stub.fn):
                previous: list[Any] | None = None
                async for values in _iterate(stub.fn, args):
                    values = self._outputs(session, dep, stub, values)
                    payload = values if previous is None else [_diff(o, n) for o, n in zip(previous, values)]
                    previous = values
                    send("process_generating", output={"data": payload, "is_generating": True}, success=True)
                final = previous or []
            else:
                result = await stub.fn(*args) if inspect.iscoroutinefunction(stub.fn) else stub.fn(*args)
                final = self._outputs(session, dep, stub, result)
        except asyncio.CancelledError:
            return
        except StubAppError as exc:
            send("process_completed", output={"error": str(exc), "duration": 10, "visible": True, "title": "Error"},
                 success=False, title="Error")
            return
        except Exception:
            send("process_completed", output={"error": None}, success=False)
            return
        send("process_completed", output={"data": final, "is_generating": False}, success=True)

    def _resolve_input(self, value: Any, kind: str) -> Any:
        if kind != "file" or value is None:
            return value
        path = Path(value["path"]).resolve()
        if self.upload_dir not in path.parents:
            raise ValueError(f"{path} was not uploaded by a user")
        return str(path)

    def _outputs(self, session: str, dep: dict[str, Any], stub: StubFn, result: Any) -> list[Any]:
        values = list(result) if len(stub.outputs) > 1 else [result]
        for i, (cid, kind) in enumerate(zip(dep["outputs"], stub.outputs)):
            if kind == "state":
                self.state[(session, cid)] = values[i]
                values[i] = None
            elif kind == "file" and isinstance(values[i], str):
                values[i] = self._cache_file(values[i])
        return values

    def _cache_file(self, local: str) -> dict[str, Any]:
        data = Path(local).read_bytes()
        target = self.upload_dir / hashlib.sha256(data).hexdigest() / Path(local).name
        target.parent.mkdir(exist_ok=True)
        target.write_bytes(data)
        return {"path": str(target), "url": f"http://stub{self.prefix}/file={urllib.parse.quote(str(target))}",
                "size": len(data), "orig_name": Path(local).name, "mime_type": None, "is_stream": False,
                "meta": {"_type": "gradio.FileData"}}

    async def data(self, request: Request) -> Response:
        session = request.query_params.get("session_hash", "")
        self.requests.append(("GET", "/queue/data", None))
        if not self._authorized(request):
            return _json({"detail": "Not authenticated"}, 401)
        self.streams_opened += 1

        async def frames() -> Any:
            if session not in self.queues:
                yield b'data: {"msg":"unexpected_error","event_id":null,"message":"404: Not Found",' \
                      b'"session_not_found":true,"success":false}\n\n'
                return
            queue = self.queues[session]
            while True:
                try:
                    message = await asyncio.wait_for(queue.get(), self.stream_heartbeat)
                except asyncio.TimeoutError:
                    message = {"msg": "heartbeat", "event_id": None}
                yield b"data: " + orjson.dumps(message) + b"\n\n"
                if message["msg"] == "process_completed":  # pending until its completion is sent, as in Gradio
                    self.pending[session].discard(message["event_id"])
                if message["msg"] == "process_completed" and not self.pending[session]:
                    yield b'data: {"msg":"close_stream","event_id":null}\n\n'
                    return

        return StreamingResponse(frames(), media_type="text/event-stream; charset=utf-8")

    async def cancel(self, request: Request) -> Response:
        body = await request.json()
        self.requests.append(("POST", "/cancel", body))
        if set(body) < {"fn_index", "session_hash", "event_id"}:
            return _json({"detail": "missing field"}, 422)
        session, event_id = body["session_hash"], body["event_id"]
        task = self.tasks.get(event_id)
        if task is not None and not task.done():
            task.cancel()
            self.queues[session].put_nowait({"msg": "process_completed", "event_id": event_id, "output": {},
                                             "success": True})
        return _json({"success": True})

    async def reset(self, request: Request) -> Response:
        self.requests.append(("POST", "/reset", await request.json()))
        return _json({"success": True})

    async def heartbeat(self, request: Request) -> Response:
        self.heartbeats.append(request.path_params["session"])

        async def alive() -> Any:
            for _ in range(600):
                yield b"data: ALIVE\n\n"
                await asyncio.sleep(0.5)

        return StreamingResponse(alive(), media_type="text/event-stream")

    # -- files -------------------------------------------------------------------------------------

    async def upload(self, request: Request) -> Response:
        if not self._authorized(request):
            return _json({"detail": "Not authenticated"}, 401)
        form = await request.form()
        paths = []
        for part in form.getlist("files"):
            data = await part.read()
            target = self.upload_dir / hashlib.sha256(data).hexdigest() / Path(part.filename).name
            target.parent.mkdir(exist_ok=True)
            target.write_bytes(data)
            paths.append(str(target))
        self.requests.append(("POST", "/upload", [Path(p).name for p in paths]))
        return _json(paths)

    async def file(self, request: Request) -> Response:
        path = Path(urllib.parse.unquote(request.path_params["path"])).resolve()
        if self.upload_dir not in path.parents or not path.is_file():
            return _json({"detail": f"File not allowed: {path}."}, 403)
        return FileResponse(path)


async def _iterate(fn: Callable[..., Any], args: list[Any]) -> Any:
    if inspect.isasyncgenfunction(fn):
        async for values in fn(*args):
            yield values
    else:
        for values in fn(*args):
            yield values


@contextmanager
def serve(server: StubServer, keep_alive: float = 5.0) -> Iterator[str]:
    """Run `server` with uvicorn in a thread on a free port; yields its base URL."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(server.app, log_level="warning", timeout_graceful_shutdown=1, lifespan="off",
                            timeout_keep_alive=keep_alive)
    runner = uvicorn.Server(config)
    thread = threading.Thread(target=runner.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not runner.started:
        threading.Event().wait(0.01)
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        runner.should_exit = True
        thread.join(5)
        sock.close()
        shutil.rmtree(server.upload_dir, ignore_errors=True)


# -- the demo app most client tests call ----------------------------------------------------------


def demo_fns() -> list[StubFn]:
    """Endpoints covering each protocol feature: defaults, State, generators with each diff kind, errors,
    files, validation, slow jobs to cancel, several outputs, undocumented and private endpoints."""

    def greet(name: str, intensity: float) -> str:
        return "Hello, " + name + "!" * int(intensity)

    def counter(x: str, count: int | None) -> tuple[str, int]:
        count = (count or 0) + 1
        return f"{x}:{count}", count

    def count(n: float) -> Iterator[str]:
        text = ""
        for i in range(int(n)):
            text += str(i)
            yield text

    def chat(message: str) -> Iterator[Any]:
        history: list[dict[str, Any]] = [{"role": "user", "content": message}]
        yield list(history)
        history = [*history, {"role": "assistant", "content": "hel"}]
        yield history
        history = [history[0], {"role": "assistant", "content": "hello", "done": True}]
        yield history
        yield [history[1]]  # a delete, and a replace at index 0
        yield "not a list any more"

    def fail(x: str) -> str:
        raise StubAppError(f"custom failure: {x}")

    def crash(x: str) -> str:
        raise RuntimeError("hidden from clients")

    async def slow(x: str) -> str:
        await asyncio.sleep(30)
        return x

    async def slow_gen(x: str) -> Any:
        yield x
        await asyncio.sleep(30)
        yield x + x

    def echo_file(path: str) -> str:
        out = Path(tempfile.mkdtemp()) / ("upper-" + Path(path).name)
        out.write_text(Path(path).read_text().upper())
        return str(out)

    def many_files(text: str) -> Any:
        folder = Path(tempfile.mkdtemp())
        (folder / "a.txt").write_text(text)
        return {"files": [str(folder / "a.txt")], "note": "json output with no file in it"}

    def multi(a: float, b: float) -> tuple[float, float]:
        return a + b, a * b

    return [
        StubFn("greet", greet, ["textbox", "number"], ["textbox"], [("name", ...), ("intensity", 1)]),
        StubFn("counter", counter, ["textbox", "state"], ["textbox", "state"], [("x", ...)]),
        StubFn("count", count, ["number"], ["textbox"], [("n", 3)]),
        StubFn("chat", chat, ["textbox"], ["chatbot"], [("message", ...)]),
        StubFn("fail", fail, ["textbox"], ["textbox"], [("x", ...)]),
        StubFn("crash", crash, ["textbox"], ["textbox"], [("x", ...)]),
        StubFn("slow", slow, ["textbox"], ["textbox"], [("x", ...)]),
        StubFn("slow_gen", slow_gen, ["textbox"], ["textbox"], [("x", ...)]),
        StubFn("echo_file", echo_file, ["file"], ["file"], [("path", ...)]),
        StubFn("many_files", many_files, ["textbox"], ["json"], [("text", ...)]),
        StubFn("validated", lambda x: x, ["textbox"], ["textbox"], [("x", ...)]),
        StubFn("multi", multi, ["number", "number"], ["number", "number"], [("a", ...), ("b", 2)]),
        StubFn("hidden", lambda x: x * 2, ["textbox"], ["textbox"], visibility="undocumented"),
        StubFn("private", lambda x: x, ["textbox"], ["textbox"], visibility="private"),
    ]


def expected_chat_outputs(message: str) -> list[Any]:
    """What the `chat` generator yields, in order (each step needs a different kind of diff)."""
    user = {"role": "user", "content": message}
    done = {"role": "assistant", "content": "hello", "done": True}
    return [[user], [user, {"role": "assistant", "content": "hel"}], [user, done], [done], "not a list any more"]


# -- the fake is faithful: the real gradio_client 2.7 works against it ------------------------------


@pytest.fixture(scope="module")
def stub_url() -> Iterator[str]:
    with serve(StubServer(demo_fns())) as url:
        yield url


@pytest.fixture(scope="module")
def gradio_client_module() -> ModuleType:
    return pytest.importorskip("gradio_client", reason="the real gradio_client is not installed")


def test_real_gradio_client_calls_the_stub(stub_url: str, gradio_client_module: ModuleType) -> None:
    client = gradio_client_module.Client(stub_url, verbose=False)
    try:
        assert client.predict("Ann", 2, api_name="/greet") == "Hello, Ann!!"
        assert client.predict(name="Bo", api_name="/greet") == "Hello, Bo!"
        assert client.predict("s", api_name="/counter") == "s:1"
        assert client.predict("s", api_name="/counter") == "s:2"
        job = client.submit(4, api_name="/count")
        assert job.result() == "0123"
        assert job.outputs() == ["0", "01", "012", "0123"]
        chat = client.submit("hi", api_name="/chat")
        assert chat.result() == "not a list any more"
        assert chat.outputs() == expected_chat_outputs("hi")
        with pytest.raises(Exception, match="custom failure: z"):
            client.predict("z", api_name="/fail")
        assert client.predict(3, 4, api_name="/multi") == (7, 12)
    finally:
        client.close()


def test_real_gradio_client_round_trips_a_file(stub_url: str, gradio_client_module: ModuleType,
                                               tmp_path: Path) -> None:
    source = tmp_path / "hello.txt"
    source.write_text("hello")
    client = gradio_client_module.Client(stub_url, verbose=False, download_files=str(tmp_path / "dl"))
    try:
        result = client.predict(gradio_client_module.handle_file(str(source)), api_name="/echo_file")
        assert Path(result).read_text() == "HELLO"
    finally:
        client.close()
