"""Start, watch and stop one app server process for the benchmarks (Linux /proc only)."""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

# Same environment for both libraries: no analytics or hub calls (the machine has no outside network).
BENCH_ENV = {
    "GRADIO_ANALYTICS_ENABLED": "False",
    "HF_HUB_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "PYTHONUNBUFFERED": "1",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and its live children (uvicorn's workers, a tunnel process), from /proc."""
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if stat.parent.name == str(pid) or fields[1] == str(pid):
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


CLUSTER = Path(__file__).resolve().parent.parent / "infra" / "postgres" / "cluster.sh"


def start_postgres(folder: Path, who: str) -> str:
    """A private Postgres cluster in `folder` (infra/postgres/cluster.sh), migrated to head; its URL.
    `who` names the benchmark in the error raised when it does not start."""
    started = subprocess.run(["bash", str(CLUSTER), "start", str(folder), str(free_port())],
                             capture_output=True, text=True)
    if started.returncode != 0:
        raise SystemExit(f"{who}: Postgres did not start: {started.stderr}")
    url = started.stdout.strip().splitlines()[-1]
    from podium_cp.migrate import upgrade

    upgrade(url)
    return url


def stop_postgres(folder: Path) -> None:
    subprocess.run(["bash", str(CLUSTER), "stop", str(folder)], capture_output=True)


def config_status(port: int, timeout: float = 1.0) -> int | None:
    """Status of `GET /config`, or None when nothing answers yet."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", "/config")
        response = conn.getresponse()
        response.read()
        return response.status
    except (OSError, http.client.HTTPException):
        return None
    finally:
        conn.close()


@dataclass
class ServerProcess:
    """One `python app.py` child, optionally pinned to a set of CPUs."""

    proc: subprocess.Popen[bytes]
    port: int
    log_path: Path
    spawned_at: float  # time.perf_counter() just before the spawn

    @classmethod
    def spawn(cls, python: str, app: Path, env: dict[str, str], cpus: set[int] | None) -> ServerProcess:
        port = free_port()
        workdir = Path(tempfile.mkdtemp(prefix="podium-bench-"))  # flagging dirs and caches land here
        log_path = workdir / "server.log"
        child_env = {**os.environ, **BENCH_ENV, **env, "BENCH_PORT": str(port)}

        def pin() -> None:
            if cpus:
                os.sched_setaffinity(0, cpus)

        log = open(log_path, "wb")  # noqa: SIM115 (the child owns it)
        start = time.perf_counter()
        proc = subprocess.Popen(
            [python, str(app)], env=child_env, cwd=workdir, stdout=log, stderr=subprocess.STDOUT, preexec_fn=pin
        )
        log.close()
        return cls(proc, port, log_path, start)

    def wait_serving(self, timeout: float = 60.0) -> float:
        """Seconds from spawn until `GET /config` answers 200. Raises if the process dies or times out."""
        deadline = self.spawned_at + timeout
        while time.perf_counter() < deadline:
            if config_status(self.port) == 200:
                return time.perf_counter() - self.spawned_at
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with code {self.proc.returncode}:\n{self.log_tail()}")
            time.sleep(0.005)
        raise RuntimeError(f"server did not serve /config within {timeout:.0f} s:\n{self.log_tail()}")

    def log_tail(self, lines: int = 25) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def tree_pids(self) -> list[int]:
        """The server process and all its descendants."""
        children: dict[int, list[int]] = {}
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
        pids, todo = [], [self.proc.pid]
        while todo:
            pid = todo.pop()
            pids.append(pid)
            todo.extend(children.get(pid, []))
        return pids

    def rss_mib(self) -> float:
        """Resident memory of the server's process tree, in MiB (VmRSS summed)."""
        total_kib = 0
        for pid in self.tree_pids():
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        total_kib += int(line.split()[1])
            except OSError:
                continue
        return total_kib / 1024

    def cpu_seconds(self) -> float:
        """User + system CPU time used so far by the server's process tree."""
        ticks = os.sysconf("SC_CLK_TCK")
        total = 0
        for pid in self.tree_pids():
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                total += int(fields[11]) + int(fields[12])  # utime, stime
            except (OSError, IndexError, ValueError):
                continue
        return total / ticks

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)


def cpu_busy_seconds(cpu: int) -> float:
    """Seconds CPU `cpu` has spent running processes (user, nice, system) since boot, from /proc/stat."""
    for line in Path("/proc/stat").read_text().splitlines():
        if line.startswith(f"cpu{cpu} "):
            user, nice, system = (int(v) for v in line.split()[1:4])
            # irq/softirq time is left out: loopback packet work lands there, on behalf of the server too.
            return (user + nice + system) / os.sysconf("SC_CLK_TCK")
    return 0.0
