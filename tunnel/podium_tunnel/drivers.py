"""The real `frpc` and `frps` binaries (frp v0.52+), driven as subprocesses.

`frps_toml` / `frpc_toml` write their TOML configuration; `FrpsProcess` / `FrpcProcess` write it to a file, start
`BINARY -c FILE`, read the binary's log from its output to learn when it is ready ("frps started successfully",
"[NAME] start proxy success" for each proxy) or why it failed ("login to server failed", "start error", an early
exit), stop it (SIGTERM, then SIGKILL after a grace period) and, with `restart_on_exit`, restart it with back-off
when it dies. Used by the interoperability tests and by operators who prefer a stock frps with
`podium_tunnel.plugin` answering its plugin calls.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import shutil
import tempfile
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import ClassVar, Literal, TypeVar

from podium_tunnel.plugin import DEFAULT_OPS, frps_plugin_config, toml_string

logger = logging.getLogger(__name__)

BINARY_ENV = {"frpc": "PODIUM_FRPC_BIN", "frps": "PODIUM_FRPS_BIN"}
FRPS_READY = "frps started successfully"
FRPC_PROXY_READY = "start proxy success"
FRPC_LOGIN_READY = "login to server success"
FRPC_FAILURES = ("login to server failed", "start error")
_ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_LINE_LIMIT = 1 << 20  # a log line longer than this is skipped, not fatal
_Process = TypeVar("_Process", bound="_BinaryProcess")


class DriverError(RuntimeError):
    """A binary is missing, failed to start, or reported a failure (the message carries its last output)."""


def find_binary(name: Literal["frpc", "frps"]) -> str | None:
    """The path of `name`: `PODIUM_FRPC_BIN` / `PODIUM_FRPS_BIN` when set, else the one on PATH, else None.

    Raises `DriverError` when the variable is set but does not name an executable file.
    """
    variable = BINARY_ENV[name]
    configured = os.environ.get(variable, "")
    if configured:
        if not (os.path.isfile(configured) and os.access(configured, os.X_OK)):
            raise DriverError(
                f"{variable}={configured!r} is not an executable file; point it at the {name} binary or unset it"
            )
        return configured
    return shutil.which(name)


@dataclass(frozen=True)
class HttpProxySpec:
    """One `[[proxies]]` entry of type http in frpc.toml."""

    name: str
    local_ip: str
    local_port: int
    subdomain: str = ""
    use_encryption: bool = False
    use_compression: bool = False


def frps_toml(
    *,
    bind_port: int,
    vhost_http_port: int,
    subdomain_host: str,
    auth_token: str = "",
    tls_force: bool = False,
    tcp_mux: bool = True,
    custom_404_page: str | None = None,
    plugins: Sequence[tuple[str, str, str, Sequence[str]]] = (),
    max_pool_count: int = 5,
    bind_addr: str = "0.0.0.0",
) -> str:
    """frps.toml (v0.52+ keys) for a share server; `plugins` are (name, addr, path, ops) `[[httpPlugins]]`."""
    lines = [
        f"bindAddr = {toml_string(bind_addr)}",
        f"bindPort = {_toml_int(bind_port)}",
        f"vhostHTTPPort = {_toml_int(vhost_http_port)}",
        f"subDomainHost = {toml_string(subdomain_host)}",
        'auth.method = "token"',
        f"auth.token = {toml_string(auth_token)}",
        f"transport.tls.force = {_toml_bool(tls_force)}",
        f"transport.tcpMux = {_toml_bool(tcp_mux)}",
        f"transport.maxPoolCount = {_toml_int(max_pool_count)}",
        # the drivers read readiness from the log: plain text on the console
        'log.to = "console"',
        'log.level = "info"',
        "log.disablePrintColor = true",
    ]
    if custom_404_page is not None:
        lines.append(f"custom404Page = {toml_string(custom_404_page)}")
    text = "\n".join(lines) + "\n"
    for name, addr, path, ops in plugins:
        text += "\n" + frps_plugin_config(name, addr, path, tuple(ops) or DEFAULT_OPS)
    return text


def frpc_toml(
    *,
    server_addr: str,
    server_port: int,
    auth_token: str = "",
    tls_enable: bool = False,
    tcp_mux: bool = True,
    proxies: Sequence[HttpProxySpec],
) -> str:
    """frpc.toml (v0.52+ keys) with http `proxies`. TLS is written out explicitly: frpc ≥0.50 defaults it on."""
    lines = [
        f"serverAddr = {toml_string(server_addr)}",
        f"serverPort = {_toml_int(server_port)}",
        "loginFailExit = true",
        'auth.method = "token"',
        f"auth.token = {toml_string(auth_token)}",
        f"transport.tls.enable = {_toml_bool(tls_enable)}",
        f"transport.tcpMux = {_toml_bool(tcp_mux)}",
        'log.to = "console"',
        'log.level = "info"',
        "log.disablePrintColor = true",
    ]
    for proxy in proxies:
        lines += [
            "",
            "[[proxies]]",
            f"name = {toml_string(proxy.name)}",
            'type = "http"',
            f"localIP = {toml_string(proxy.local_ip)}",
            f"localPort = {_toml_int(proxy.local_port)}",
        ]
        if proxy.subdomain:
            lines.append(f"subdomain = {toml_string(proxy.subdomain)}")
        lines += [
            f"transport.useEncryption = {_toml_bool(proxy.use_encryption)}",
            f"transport.useCompression = {_toml_bool(proxy.use_compression)}",
        ]
    return "\n".join(lines) + "\n"


def _toml_bool(value: bool) -> str:
    return "true" if value else "false"


def _toml_int(value: int) -> str:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"expected an integer, got {value!r}")
    return str(value)


class _BinaryProcess:
    """One frp binary under supervision: start, readiness from its log, stop, restart when it dies."""

    binary_name: ClassVar[Literal["frpc", "frps"]]
    config_name: ClassVar[str]

    def __init__(
        self,
        config: str,
        *,
        binary: str | None = None,
        workdir: str | os.PathLike[str] | None = None,
        restart_on_exit: bool = False,
        restart_delay: float = 1.0,
        max_restart_delay: float = 30.0,
        stable_after: float = 60.0,
        stop_grace: float = 5.0,
        keep_lines: int = 200,
    ) -> None:
        self.config = config
        self.restart_on_exit = restart_on_exit
        self.restart_delay = restart_delay
        self.max_restart_delay = max_restart_delay
        self.stable_after = stable_after  # a run that lasted this long resets the back-off
        self.stop_grace = stop_grace
        self.lines: deque[str] = deque(maxlen=keep_lines)  # the binary's last output lines, for error messages
        self.restarts = 0  # times the supervisor started the binary again
        self.ready_runs = 0  # runs that reported readiness (the first one included)
        self.config_path: Path | None = None
        self._binary = binary
        self._workdir = Path(workdir) if workdir is not None else None
        self._own_dir: str | None = None
        self._proc: asyncio.subprocess.Process | None = None
        self._reader: asyncio.Task[None] | None = None
        self._outcome: asyncio.Future[str | None] | None = None  # None: ready; a string: why it failed
        self._supervisor: asyncio.Task[None] | None = None
        self._stopping = False
        self._started_at = 0.0

    @property
    def returncode(self) -> int | None:
        """The exit status of the current run (None while it runs or before the first start)."""
        return self._proc.returncode if self._proc is not None else None

    @property
    def pid(self) -> int | None:
        """The process id of the current run."""
        return self._proc.pid if self._proc is not None else None

    def tail(self, n: int = 30) -> str:
        """The binary's last `n` output lines, one string."""
        return "\n".join(list(self.lines)[-n:])

    async def start(self, timeout: float = 15.0) -> None:
        """Start the binary and wait until it reports readiness; `DriverError` (with its last lines) otherwise."""
        if self._proc is not None:
            raise DriverError(f"this {self.binary_name} was already started; make a new one")
        binary = self._binary or find_binary(self.binary_name)
        if binary is None:
            raise DriverError(
                f"{self.binary_name} is not installed: set {BINARY_ENV[self.binary_name]} or put {self.binary_name} on PATH"
            )
        self.config_path = await asyncio.to_thread(self._write_config)
        try:
            await self._spawn(binary)
            assert self._outcome is not None
            try:
                failure = await asyncio.wait_for(asyncio.shield(self._outcome), timeout)
            except asyncio.TimeoutError:
                failure = f"{self.binary_name} did not report readiness within {timeout:g} s"
        except BaseException:
            await asyncio.shield(self.stop())
            raise
        if failure is not None:
            await self.stop()
            raise DriverError(f"{failure}; its last output:\n{self.tail()}")
        if self.restart_on_exit:
            self._supervisor = asyncio.create_task(self._supervise(binary))

    async def stop(self) -> None:
        """Stop the binary (SIGTERM, SIGKILL after `stop_grace` seconds) and its supervision. Idempotent."""
        self._stopping = True
        if self._supervisor is not None:
            self._supervisor.cancel()
            await asyncio.gather(self._supervisor, return_exceptions=True)
        proc = self._proc
        if proc is not None and proc.returncode is None:
            try:
                proc.terminate()
                await asyncio.wait_for(proc.wait(), self.stop_grace)
            except ProcessLookupError:
                pass
            except asyncio.TimeoutError:
                logger.warning(
                    "%s (pid %s) ignored SIGTERM for %g s; killing it", self.binary_name, proc.pid, self.stop_grace
                )
                proc.kill()
                await proc.wait()
        if self._reader is not None:
            try:
                await asyncio.wait_for(asyncio.shield(self._reader), self.stop_grace)
            except asyncio.TimeoutError:  # a grandchild still holds its output open
                self._reader.cancel()
                await asyncio.gather(self._reader, return_exceptions=True)
        if self._own_dir is not None:
            await asyncio.to_thread(shutil.rmtree, self._own_dir, True)
            self._own_dir = None

    async def __aenter__(self: _Process) -> _Process:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()

    # --- what subclasses decide from the log ---

    def _new_run(self) -> None:
        """Reset the per-run readiness state before each start of the binary."""

    def _is_ready(self, line: str) -> bool:
        raise NotImplementedError

    def _failure(self, line: str) -> str | None:
        return None

    # --- the machinery ---

    def _write_config(self) -> Path:
        directory = self._workdir
        if directory is None:
            self._own_dir = tempfile.mkdtemp(prefix=f"podium-{self.binary_name}-")
            directory = Path(self._own_dir)
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / self.config_name
        path.write_text(self.config, encoding="utf-8")
        path.chmod(0o600)  # it holds the auth token
        return path

    async def _spawn(self, binary: str) -> None:
        assert self.config_path is not None
        self._new_run()
        try:
            proc = await asyncio.create_subprocess_exec(
                binary,
                "-c",
                str(self.config_path),
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.STDOUT,
                cwd=str(self.config_path.parent),
                limit=_LINE_LIMIT,
            )
        except OSError as exc:
            raise DriverError(
                f"cannot run {binary!r}: {exc}; check that it is an frp {self.binary_name} binary"
            ) from exc
        self._proc = proc
        self._started_at = asyncio.get_running_loop().time()
        outcome: asyncio.Future[str | None] = asyncio.get_running_loop().create_future()
        self._outcome = outcome
        self._reader = asyncio.create_task(self._read(proc, outcome))

    async def _read(self, proc: asyncio.subprocess.Process, outcome: asyncio.Future[str | None]) -> None:
        assert proc.stdout is not None
        while True:
            try:
                raw = await proc.stdout.readline()
            except ValueError:  # over _LINE_LIMIT: the reader dropped it
                continue
            if not raw:
                break
            line = _ANSI_ESCAPE.sub("", raw.decode("utf-8", errors="replace")).rstrip("\r\n")
            self.lines.append(line)
            logger.debug("%s: %s", self.binary_name, line)
            if outcome.done():
                continue
            failure = self._failure(line)
            if failure is not None:
                outcome.set_result(failure)
            elif self._is_ready(line):
                self.ready_runs += 1
                outcome.set_result(None)
        code = await proc.wait()
        if not outcome.done():
            outcome.set_result(f"{self.binary_name} exited with code {code} before it was ready")

    async def _supervise(self, binary: str) -> None:
        loop = asyncio.get_running_loop()
        delay = self.restart_delay
        while not self._stopping:
            if self._reader is not None:
                await asyncio.wait({self._reader})  # asyncio.wait: cancelling us must not cancel the reader
            if self._stopping:
                return
            if loop.time() - self._started_at >= self.stable_after:
                delay = self.restart_delay
            logger.warning(
                "%s exited with code %s; restarting it in %g s. Its last output:\n%s",
                self.binary_name,
                self.returncode,
                delay,
                self.tail(10),
            )
            await asyncio.sleep(delay)
            delay = min(delay * 2, self.max_restart_delay)
            if self._stopping:
                return
            try:
                await self._spawn(binary)
            except DriverError:
                logger.exception("restarting %s failed", self.binary_name)
                self._reader = None
                self._started_at = loop.time()
                continue
            self.restarts += 1


class FrpsProcess(_BinaryProcess):
    """A stock frps with the given frps.toml text (see `frps_toml`); ready once it logs "frps started successfully"."""

    binary_name = "frps"
    config_name = "frps.toml"

    def _is_ready(self, line: str) -> bool:
        return FRPS_READY in line


class FrpcProcess(_BinaryProcess):
    """A stock frpc with the given frpc.toml text (see `frpc_toml`).

    Ready once it logs "[NAME] start proxy success" for every name of `proxy_names` (or, with none, once it has
    logged in); fails fast on "login to server failed" or "[NAME] start error".
    """

    binary_name = "frpc"
    config_name = "frpc.toml"

    def __init__(
        self,
        config: str,
        *,
        proxy_names: Sequence[str] = (),
        binary: str | None = None,
        workdir: str | os.PathLike[str] | None = None,
        restart_on_exit: bool = False,
        restart_delay: float = 1.0,
        max_restart_delay: float = 30.0,
        stable_after: float = 60.0,
        stop_grace: float = 5.0,
        keep_lines: int = 200,
    ) -> None:
        super().__init__(
            config,
            binary=binary,
            workdir=workdir,
            restart_on_exit=restart_on_exit,
            restart_delay=restart_delay,
            max_restart_delay=max_restart_delay,
            stable_after=stable_after,
            stop_grace=stop_grace,
            keep_lines=keep_lines,
        )
        self.proxy_names = tuple(proxy_names)
        self._waiting: set[str] = set()

    def _new_run(self) -> None:
        self._waiting = set(self.proxy_names)

    def _is_ready(self, line: str) -> bool:
        if not self.proxy_names:
            return FRPC_LOGIN_READY in line
        for name in list(self._waiting):
            if f"[{name}] {FRPC_PROXY_READY}" in line:
                self._waiting.discard(name)
        return not self._waiting

    def _failure(self, line: str) -> str | None:
        for marker in FRPC_FAILURES:
            if marker in line:
                return f"frpc reported {line[line.index(marker) :]!r}"
        return None
