"""The server's policy decisions seen from a real client: expiry and revocation sweeps (Kill, route gone), refused
logins and proxies, one live connection per link, and `close_proxy`."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from tunnel_support import LocalApp, host_of, make_client, make_server, visitor, wait_for  # noqa: E402

from podium_tunnel import (  # noqa: E402
    OpenPolicy,
    ProxyGrant,
    ProxyRequest,
    Rejected,
    TunnelEvent,
    TunnelRejected,
    TunnelServer,
)


class Clock:
    """A clock the test moves."""

    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


class RecordingPolicy(OpenPolicy):
    """OpenPolicy that records closed proxies and revokes the link ids in `revoke`."""

    def __init__(self, **options: object) -> None:
        super().__init__(**options)  # type: ignore[arg-type]
        self.revoke: dict[str, str] = {}
        self.closed: list[ProxyGrant] = []

    async def proxy_closed(self, run_id: str, grant: ProxyGrant) -> None:
        self.closed.append(grant)

    async def revoked(self, grants: Sequence[ProxyGrant]) -> Mapping[str, str]:
        return {g.link_id: self.revoke[g.link_id] for g in grants if g.link_id in self.revoke}


async def _status(server: TunnelServer, host: str) -> int:
    async with visitor(server) as http:
        return (await http.get("/", headers={"Host": host})).status_code


@pytest.mark.parametrize("how", ["expiry", "revocation", "close_proxy"])
def test_an_ended_link_is_killed_and_its_route_removed(how: str) -> None:
    async def main() -> None:
        clock = Clock()
        policy = RecordingPolicy(max_lifetime_s=3600, clock=clock)
        async with LocalApp() as app:
            server = make_server(policy)
            await server.start()
            events: list[TunnelEvent] = []
            client = make_client(server, app, events=events)
            try:
                url = await client.start()
                assert await _status(server, host_of(url)) == 200
                if how == "expiry":
                    clock.now += 3601
                elif how == "revocation":
                    policy.revoke["demo"] = "revoked by its owner"
                else:
                    await server.close_proxy("demo", "closed by an admin")
                final = await asyncio.wait_for(client.wait_closed(), 20)
                assert final.kind == "killed"
                assert [e.kind for e in events] == ["connected", "killed"]
                assert server.proxies() == []
                assert await _status(server, host_of(url)) == 404
                assert [grant.link_id for grant in policy.closed] == ["demo"]
            finally:
                await client.close()
                await server.close()

    asyncio.run(main())


def test_a_grant_that_has_expired_already_is_refused() -> None:
    class Expired(OpenPolicy):
        async def new_proxy(self, request: ProxyRequest) -> ProxyGrant:
            return ProxyGrant(subdomain="demo", expires_at=self.now() - 1, link_id="demo")

    async def main() -> None:
        async with LocalApp() as app:
            server = make_server(Expired())
            await server.start()
            client = make_client(server, app)
            try:
                with pytest.raises(TunnelRejected, match="expired"):
                    await client.start()
            finally:
                await client.close()
                await server.close()

    asyncio.run(main())


def test_a_wrong_auth_token_is_rejected() -> None:
    async def main() -> None:
        async with LocalApp() as app:
            server = make_server(auth_token="right")
            await server.start()
            client = make_client(server, app, auth_token="wrong")
            try:
                with pytest.raises(TunnelRejected, match="token") as raised:
                    await client.start()
                assert "auth token" in raised.value.reason
                assert (await client.wait_closed()).kind == "rejected"
                good = make_client(server, app, auth_token="right")
                try:
                    assert (await good.start()).startswith("http://demo.")
                finally:
                    await good.close()
            finally:
                await client.close()
                await server.close()

    asyncio.run(main())


def test_policy_refusals_reach_the_client_with_their_reason() -> None:
    class Refusing(OpenPolicy):
        async def new_proxy(self, request: ProxyRequest) -> ProxyGrant:
            if request.proxy_name == "unknown-token":
                raise Rejected("this share link does not exist; create one with `podium share`")
            return await super().new_proxy(request)

        async def login(self, request: object) -> None:
            if getattr(request, "metas", {}).get("banned") == "yes":
                raise Rejected("this client is banned")

    async def main() -> None:
        async with LocalApp() as app:
            server = make_server(Refusing())
            await server.start()
            clients = [make_client(server, app, proxy_name="unknown-token"),
                       make_client(server, app, metas={"banned": "yes"})]
            try:
                with pytest.raises(TunnelRejected, match="does not exist"):
                    await clients[0].start()
                with pytest.raises(TunnelRejected, match="banned"):
                    await clients[1].start()
                assert server.proxies() == []
            finally:
                for client in clients:
                    await client.close()
                await server.close()

    asyncio.run(main())


def test_a_second_client_for_a_live_link_is_refused() -> None:
    async def main() -> None:
        async with LocalApp() as app:
            server = make_server()
            await server.start()
            first = make_client(server, app)
            second = make_client(server, app)
            try:
                url = await first.start()
                with pytest.raises(TunnelRejected, match="already connected from another place"):
                    await second.start()
                assert await _status(server, host_of(url)) == 200  # the first one still serves
                await first.close()
                await wait_for(lambda: server.proxies() == [])
                third = make_client(server, app)
                try:
                    assert await third.start() == url  # once the first is gone the link is free again
                finally:
                    await third.close()
            finally:
                await first.close()
                await second.close()
                await server.close()

    asyncio.run(main())

