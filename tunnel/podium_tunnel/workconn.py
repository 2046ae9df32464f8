"""What the vhost needs of a proxy (`Route`) and of one of its work connections (`WorkChannel`: HTTP/1.1, one
request at a time, watching where each answer ends so that the connection can be kept for the next request)."""

from __future__ import annotations

from typing import Protocol

import httptools

from podium_tunnel.conn import Conn


class WorkConnUnavailable(Exception):
    """No work connection came from the client in time (the visitor gets a 504)."""


class RouteGone(Exception):
    """The proxy closed while a work connection was being fetched (the visitor gets the 404 page)."""


class Route(Protocol):
    """A proxy as the vhost sees it: where work connections come from, and its kept-alive ones."""

    idle: list[WorkChannel]

    async def open_work_conn(self, src_addr: str, src_port: int) -> Conn:
        """A fresh work connection, StartWorkConn sent and wrapped as the proxy says; raises WorkConnUnavailable
        or RouteGone."""
        ...


class WorkChannel:
    """One work connection carrying HTTP/1.1, one request at a time; watches where each answer ends."""

    __slots__ = ("conn", "parser", "since", "status", "head_done", "done", "keep_alive", "upgraded", "head_only",
                 "stale_parser")

    def __init__(self, conn: Conn) -> None:
        self.conn = conn
        self.parser = httptools.HttpResponseParser(self)
        self.since = 0.0  # loop time it became idle
        self.stale_parser = False
        self.reset(False)

    def reset(self, head_only: bool) -> None:
        """Before a new request (HEAD: no body follows the answer's head)."""
        if self.stale_parser:
            self.parser = httptools.HttpResponseParser(self)
            self.stale_parser = False
        self.head_only = head_only
        self.status = 0
        self.head_done = False
        self.done = False
        self.keep_alive = False
        self.upgraded = False

    def on_headers_complete(self) -> None:
        status = self.parser.get_status_code()
        if status < 200 and status != 101:
            return  # an interim answer (100 Continue, 103): forwarded, the final one follows
        self.status = status
        self.head_done = True
        if self.head_only:
            self.done = True
            self.stale_parser = True  # the parser would now wait for the body a HEAD answer does not carry
            self.keep_alive = self.parser.should_keep_alive()

    def on_message_complete(self) -> None:
        if self.head_done and not self.done:
            self.done = True
            self.keep_alive = self.parser.should_keep_alive()

    def feed(self, data: bytes) -> None:
        """Parse forwarded bytes; raises httptools.HttpParserError if they are not an HTTP/1.x answer."""
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            self.upgraded = self.head_done = self.done = True
            self.keep_alive = False

    def close(self) -> None:
        """Drop the connection now."""
        self.conn.abort()
