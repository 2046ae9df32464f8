"""`podium.client.AsyncClient`: the same calls from asyncio code, without blocking the event loop.

Runs against the protocol stub in test_client_stub_server.py (a fake, because the real Podium server is
being written in parallel; the stub itself is checked against the real gradio_client there).
"""

from __future__ import annotations

import asyncio
import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from podium.client import AppError, AsyncClient, CancelledError, ClientError, Status, handle_file


def _load_stub() -> Any:
    """The protocol stub module (pytest's importlib mode puts no test folder on sys.path)."""
    name = "podium_client_test_stub"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name("test_client_stub_server.py"))
        assert spec is not None and spec.loader is not None
        sys.modules[name] = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(sys.modules[name])
    return sys.modules[name]


stub = _load_stub()


@pytest.fixture(scope="module")
def url() -> Iterator[str]:
    with stub.serve(stub.StubServer(stub.demo_fns())) as base:
        yield base


def test_predict_and_stream(url: str) -> None:
    async def main() -> None:
        async with AsyncClient(url, download_files=False) as client:
            assert await client.predict("Ann", 2, api_name="/greet") == "Hello, Ann!!"
            job = await client.submit(4, api_name="/count")
            assert [out async for out in job] == ["0", "01", "012", "0123"]
            assert await job.result() == "0123"
            assert await job.outputs() == ["0", "01", "012", "0123"]
            assert job.done() and job.status().code == Status.FINISHED
            with pytest.raises(AppError, match="custom failure"):
                await client.predict("z", api_name="/fail")

    asyncio.run(main())


def test_many_concurrent_calls_on_one_loop(url: str) -> None:
    async def main() -> list[Any]:
        async with AsyncClient(url, download_files=False) as client:
            return await asyncio.gather(*(client.predict(str(i), api_name="/greet") for i in range(200)))

    assert asyncio.run(main()) == [f"Hello, {i}!" for i in range(200)]


def test_the_loop_stays_responsive_while_waiting(url: str) -> None:
    async def main() -> None:
        async with AsyncClient(url) as client:
            job = await client.submit("x", api_name="/slow")
            ticks = 0

            async def ticker() -> None:
                nonlocal ticks
                for _ in range(5):
                    await asyncio.sleep(0.01)
                    ticks += 1

            with pytest.raises(TimeoutError):
                await asyncio.gather(job.result(timeout=0.3), ticker())
            assert ticks == 5  # other coroutines ran while result() waited
            assert not job.done()
            assert await job.cancel()
            with pytest.raises(CancelledError):
                await job.result()
            assert [out async for out in job] == []

    asyncio.run(main())


def test_files_download_off_the_loop(url: str, tmp_path: Path) -> None:
    source = tmp_path / "a.txt"
    source.write_text("abc")

    async def main() -> Any:
        async with AsyncClient(url, download_files=tmp_path / "dl") as client:
            return await client.predict(handle_file(source), api_name="/echo_file")

    assert Path(asyncio.run(main())).read_text() == "ABC"


def test_client_property_needs_a_connection(url: str) -> None:
    client = AsyncClient(url)
    with pytest.raises(ClientError, match="not connected"):
        client.client  # noqa: B018 - the property access is the test

    async def main() -> str | None:
        await client.connect()
        text = await client.view_api(print_info=False, return_format="str")
        await client.close()
        return text  # type: ignore[return-value]

    assert "/greet" in (asyncio.run(main()) or "")
