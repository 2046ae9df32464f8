"""`podium deep-links ls|show|rm|retention OWNER/NAME ...` against a stand-in of the control plane's user-facing
deep-link API (tests/deep_link_standin.py), with the token `podium login` stored in PODIUM_HOME=tmp_path. The real
API is tested in tests/controlplane.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from deep_link_standin import USER_TOKEN, DeepLinkStandIn

from podium import platform_auth
from podium.cli import main

SNAPSHOT = {"v": 1, "app": "9f2c41d07a3b5e68", "space_revision": "3",
            "components": {"name": {"type": "textbox", "label": "Name", "value": "Ada"},
                           "chatbot#1": {"type": "chatbot", "label": None, "value": [{"role": "user", "content": "hi"}]}},
            "layout": {}}


@pytest.fixture
def api(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[DeepLinkStandIn]:
    monkeypatch.delenv("PODIUM_SERVER", raising=False)
    monkeypatch.setenv("PODIUM_HOME", str(tmp_path / "home"))
    served = DeepLinkStandIn()
    platform_auth.save_token(served.url, USER_TOKEN,
                             platform_auth.WhoAmI("alice", "", "token", None, None, False, "t1"))
    yield served
    served.close()


def add_link(api: DeepLinkStandIn, link_id: str) -> None:
    api.links[link_id] = {"id": link_id, "snapshot": SNAPSHOT, "app_revision": "9f2c41d07a3b5e68",
                          "space_revision": 3, "created_at": "2026-11-21T10:00:00Z",
                          "expires_at": "2026-12-21T10:00:00Z", "size_bytes": 2300, "open_count": 2,
                          "last_opened_at": None, "expired": False}


def test_ls_lists_newest_first_and_as_json(api: DeepLinkStandIn, capsys: pytest.CaptureFixture[str]) -> None:
    add_link(api, "Aaaaaaaaaaaaaaa1")
    add_link(api, "Bbbbbbbbbbbbbbb2")
    assert main(["deep-links", "ls", "acme/demo"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["ID", "CREATED", "EXPIRES", "SIZE", "OPENED", "VALUES"]
    assert lines[1].startswith("Bbbbbbbbbbbbbbb2") and lines[2].startswith("Aaaaaaaaaaaaaaa1")
    assert "3 KB" in lines[1] and "Name, chatbot#1" in lines[1]
    assert api.requests[-1].authorization == f"Bearer {USER_TOKEN}"
    assert main(["deep-links", "ls", "acme/demo", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [link["id"] for link in listed] == ["Bbbbbbbbbbbbbbb2", "Aaaaaaaaaaaaaaa1"]


def test_ls_follows_pages(api: DeepLinkStandIn, capsys: pytest.CaptureFixture[str]) -> None:
    for i in range(205):
        add_link(api, f"Link{i:012d}")
    assert main(["deep-links", "ls", "acme/demo", "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)) == 205


def test_ls_empty(api: DeepLinkStandIn, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["deep-links", "ls", "acme/demo"]) == 0
    assert "No deep links on acme/demo." in capsys.readouterr().err


def test_show_prints_the_link_and_its_values(api: DeepLinkStandIn, capsys: pytest.CaptureFixture[str]) -> None:
    add_link(api, "Aaaaaaaaaaaaaaa1")
    assert main(["deep-links", "show", "acme/demo", "Aaaaaaaaaaaaaaa1"]) == 0
    out = capsys.readouterr().out
    assert "acme/demo deep link Aaaaaaaaaaaaaaa1" in out
    assert "url:         http://demo--acme.spaces.test/?deep_link=Aaaaaaaaaaaaaaa1" in out
    assert 'Name (textbox): "Ada"' in out and "chatbot#1 (chatbot):" in out
    assert main(["deep-links", "show", "acme/demo", "Aaaaaaaaaaaaaaa1", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["snapshot"] == SNAPSHOT


def test_rm_deletes(api: DeepLinkStandIn, capsys: pytest.CaptureFixture[str]) -> None:
    add_link(api, "Aaaaaaaaaaaaaaa1")
    assert main(["deep-links", "rm", "acme/demo", "Aaaaaaaaaaaaaaa1"]) == 0
    assert "Deleted deep link Aaaaaaaaaaaaaaa1 of acme/demo" in capsys.readouterr().out
    assert api.links == {} and api.requests[-1].method == "DELETE"


def test_retention_patches_the_space(api: DeepLinkStandIn, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["deep-links", "retention", "acme/demo", "7"]) == 0
    assert "now expire 7 days after they are made" in capsys.readouterr().out
    assert api.requests[-1].method == "PATCH" and api.requests[-1].body == {"deep_link_retention_days": 7}
    assert api.retention_days == 7


@pytest.mark.parametrize("argv, message", [
    (["retention", "acme/demo", "0"], "DAYS must be between 1 and 365, not 0"),
    (["retention", "acme/demo", "366"], "DAYS must be between 1 and 365"),
    (["ls", "acme"], "a Space is named OWNER/NAME"),
    (["ls", "acme/demo/x"], "a Space is named OWNER/NAME"),
    (["show", "acme/demo", "../../x"], "is not a deep-link id"),
    (["rm", "acme/demo", "short"], "is not a deep-link id"),
    (["ls", "other/space"], "no Space other/space (or you may not see it)"),
    (["show", "acme/demo", "Zzzzzzzzzzzzzzz9"], "no deep link Zzzzzzzzzzzzzzz9 on acme/demo"),
    (["rm", "acme/demo", "Zzzzzzzzzzzzzzz9"], "`podium deep-links ls acme/demo` lists them"),
])
def test_mistakes_are_one_line_and_status_1(api: DeepLinkStandIn, capsys: pytest.CaptureFixture[str],
                                            argv: list[str], message: str) -> None:
    before = len(api.requests)
    assert main(["deep-links", *argv]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"podium deep-links {argv[0]}: ") and message in err and err.count("\n") == 1
    if "OWNER/NAME" in message or "deep-link id" in message or "DAYS" in message:
        assert len(api.requests) == before  # refused before asking the server


def test_server_refusals(api: DeepLinkStandIn, capsys: pytest.CaptureFixture[str]) -> None:
    api.refuse = (403, {"error": {"code": "forbidden", "message": "You need write access."}})
    assert main(["deep-links", "ls", "acme/demo"]) == 1
    assert "deep links are for people with write access" in capsys.readouterr().err
    api.refuse = (401, {"error": {"code": "unauthenticated", "message": "Invalid token."}})
    assert main(["deep-links", "ls", "acme/demo"]) == 1
    assert "run `podium login` with a new one" in capsys.readouterr().err


def test_not_signed_in_and_unreachable(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("PODIUM_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("PODIUM_SERVER", raising=False)
    assert main(["deep-links", "ls", "acme/demo", "--server", "http://127.0.0.1:9"]) == 1
    assert "not signed in to http://127.0.0.1:9" in capsys.readouterr().err
    platform_auth.save_token("http://127.0.0.1:9", "t", platform_auth.WhoAmI("a", "", "token", None, None, False,
                                                                              "t1"))
    assert main(["deep-links", "ls", "acme/demo", "--server", "http://127.0.0.1:9"]) == 1
    assert "cannot reach http://127.0.0.1:9" in capsys.readouterr().err


def test_help_without_a_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["deep-links"]) == 2
    assert "retention" in capsys.readouterr().out
