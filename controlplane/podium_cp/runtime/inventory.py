"""What this node offers Spaces: its GPUs, probed with `nvidia-smi` when present."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass


@dataclass(frozen=True)
class Gpu:
    """One GPU as `nvidia-smi` reports it."""

    index: str
    name: str
    memory_mb: int


def parse_nvidia_smi(output: str) -> list[Gpu]:
    """Parses `nvidia-smi --query-gpu=index,name,memory.total --format=csv,noheader` output."""
    gpus = []
    for line in output.splitlines():
        parts = [part.strip() for part in line.split(",")]
        if len(parts) != 3 or not parts[0]:
            continue
        memory = parts[2].split()[0] if parts[2] else "0"
        gpus.append(Gpu(index=parts[0], name=parts[1], memory_mb=int(memory) if memory.isdigit() else 0))
    return gpus


def probe_gpus(timeout: float = 10.0) -> list[Gpu]:
    """This node's GPUs; none when `nvidia-smi` is absent or fails (a CPU-only node)."""
    binary = shutil.which("nvidia-smi")
    if binary is None:
        return []
    try:
        done = subprocess.run(
            [binary, "--query-gpu=index,name,memory.total", "--format=csv,noheader"],
            capture_output=True, text=True, timeout=timeout, check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return []
    return parse_nvidia_smi(done.stdout) if done.returncode == 0 else []
