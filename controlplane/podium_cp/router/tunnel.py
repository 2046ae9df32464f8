"""WebSockets (any `Upgrade:` request) through the router's own server: after `SpacesRouter.resolve` allowed it,
the visitor's handshake goes to the replica with its headers rewritten (headers.py: Podium's cookies and tokens
never reach the Space), and once the replica answers `101 Switching Protocols` bytes are spliced both ways
unchanged. That is all a WebSocket proxy needs: frames, pings and close codes are the two ends' business.

A replica that answers anything but 101 has its answer passed on, then both connections are closed (what follows
on the visitor's connection must not reach the replica without the router's checks).
"""

from __future__ import annotations

import asyncio
from typing import Protocol, cast

import httptools


class Visitor(Protocol):
    """What the tunnel needs of the visitor's side (server.py's connection)."""

    transport: asyncio.Transport | None

    def pause_visitor_reading(self) -> None: ...

    def resume_visitor_reading(self) -> None: ...


class ReplicaTunnel(asyncio.Protocol):
    """The connection to the replica: passes its bytes to the visitor, reading its answer's head on the way."""

    def __init__(self, visitor: Visitor) -> None:
        self.visitor = visitor
        self.transport: asyncio.Transport | None = None
        self.parser: httptools.HttpResponseParser | None = httptools.HttpResponseParser(self)
        self.status = 0
        self.switched = False  # the replica answered 101: bytes only from now on
        self.closed: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    # -- asyncio.Protocol ---------------------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.closed.done():
            self.closed.set_result(None)

    def data_received(self, data: bytes) -> None:
        visitor = self.visitor.transport
        if visitor is None or visitor.is_closing():
            self.close()
            return
        visitor.write(data)
        if self.parser is None:
            return
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            self.parser = None
        except httptools.HttpParserError:
            self.parser = None
            if not self.switched:
                self.close()  # not HTTP: nothing more to pass on

    def pause_writing(self) -> None:
        self.visitor.pause_visitor_reading()

    def resume_writing(self) -> None:
        self.visitor.resume_visitor_reading()

    # -- httptools callbacks ------------------------------------------------------------------------------

    def on_headers_complete(self) -> None:
        assert self.parser is not None
        self.status = self.parser.get_status_code()
        if self.status == 101:
            self.switched = True

    def on_message_complete(self) -> None:
        if not self.switched and self.status >= 200:
            self.close()  # the handshake was refused: its answer went out whole

    # -- used by the visitor's side -----------------------------------------------------------------------

    def to_replica(self, data: bytes) -> None:
        """Bytes the visitor sent: on to the replica as they are."""
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(data)

    def pause_reading(self) -> None:
        """The visitor reads slower than the replica writes."""
        if self.transport is not None and not self.transport.is_closing():
            self.transport.pause_reading()

    def resume_reading(self) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.resume_reading()

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()
        elif not self.closed.done():
            self.closed.set_result(None)
