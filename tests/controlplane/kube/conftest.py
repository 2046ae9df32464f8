"""Fixtures of the Kubernetes backend's tests: `kube_api`, a local server replaying recorded API responses
(recorded_api.py says why), and `kube_runtime`, a KubernetesRuntime whose real client talks to it."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # importlib mode: the tests import recorded_api from here

from kubernetes import client  # noqa: E402
from recorded_api import RecordedApi  # noqa: E402

from podium_cp.runtime.kube.config import KubeConfig  # noqa: E402
from podium_cp.runtime.kube.runtime import KubernetesRuntime  # noqa: E402


@pytest.fixture
def kube_api() -> Iterator[RecordedApi]:
    yield from RecordedApi().serve()


@pytest.fixture
def kube_runtime(kube_api: RecordedApi) -> KubernetesRuntime:
    configuration = client.Configuration(host=kube_api.url)
    configuration.retries = 0  # one request per call: the server records exactly what was asked
    return KubernetesRuntime(client.ApiClient(configuration), KubeConfig(namespace="spaces", installation="prod"),
                             request_timeout=10)
