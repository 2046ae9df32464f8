"""The file policy: which paths clients may send as inputs, handlers may return, and `/file=` may serve.

Real files, folders and symlinks in a temporary tree; property tests throw hostile paths at
`resolve_served` and check that nothing outside the allowed roots (or inside blocked_paths) comes back.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from podium.files.cache import FileCache
from podium.files.policy import FileAccessDenied, FilePolicy


@dataclass
class Tree:
    base: Path
    cache: FileCache
    allowed: Path
    static: Path
    secret: Path
    wd: Path
    temp: Path
    blocked: Path
    cache_id: str
    policy: FilePolicy


def _write(path: Path, data: bytes = b"x") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def build_tree(base: Path) -> Tree:
    allowed = base / "allowed"
    static = base / "static"
    secret = base / "secret"
    wd = base / "wd"
    temp = base / "temp"
    _write(allowed / "a.txt", b"allowed a")
    _write(allowed / "sub" / "b.png", b"png")
    _write(allowed / ".hidden.txt")
    _write(allowed / "private" / "p.txt", b"private")
    _write(allowed / "é" / "ü.txt")
    (allowed / "emptydir").mkdir()
    _write(static / "logo.png")
    _write(secret / "secret.txt", b"top secret")
    _write(secret / "sub" / "deep.txt")
    _write(wd / "out.txt")
    _write(wd / ".env", b"KEY=1")
    _write(wd / ".git" / "config")
    _write(wd / "sub" / "ok.txt")
    _write(temp / "gen.wav")
    # Symlinks that lead out of their root, and ones that stay inside.
    (allowed / "link_out").symlink_to(secret / "secret.txt")
    (allowed / "link_dir").symlink_to(secret)
    (allowed / "link_in").symlink_to(allowed / "a.txt")
    (allowed / "link_private").symlink_to(allowed / "private" / "p.txt")
    (wd / "link_out").symlink_to(secret / "secret.txt")
    (wd / "link_env").symlink_to(wd / ".env")
    cache = FileCache(base / "cache")
    cache_id = cache.save_bytes(b"uploaded", "up.txt")
    # Written as PRIVATE: blocked_paths must match the real folder "private" whatever the case.
    blocked = allowed / "PRIVATE"
    policy = FilePolicy(
        cache,
        allowed_paths=[allowed, base],  # `base` contains the cache: its private files must still not leak
        blocked_paths=[blocked, secret],
        static_paths=[static],
        working_dir=str(wd),
        temp_dir=temp,
    )
    return Tree(base, cache, allowed, static, secret, wd, temp, blocked, cache_id, policy)


@pytest.fixture
def tree(tmp_path: Path) -> Tree:
    return build_tree(tmp_path)


def _narrow_policy(tree: Tree) -> FilePolicy:
    """A policy whose only allowed root is `allowed/` (the fixture's also allows the whole base)."""
    return FilePolicy(
        tree.cache,
        allowed_paths=[tree.allowed],
        blocked_paths=[tree.blocked],
        static_paths=[tree.static],
        working_dir=tree.wd,
        temp_dir=tree.temp,
    )


# -- resolve_input ---------------------------------------------------------------------------------------


def test_input_cache_id_resolves_to_the_uploaded_file(tree: Tree) -> None:
    path = tree.policy.resolve_input(tree.cache_id)
    assert path.read_bytes() == b"uploaded"
    assert path == tree.cache.root / tree.cache_id


def test_input_absolute_cache_path_is_accepted(tree: Tree) -> None:
    absolute = str(tree.cache.root / tree.cache_id)
    assert tree.policy.resolve_input(absolute) == tree.cache.root / tree.cache_id


@pytest.mark.parametrize(
    "path",
    [
        "/etc/hostname",
        "/etc/passwd",
        "out.txt",
        "../secret/secret.txt",
        "",
        "a" * 64 + "/up.txt",
        "\x00",
    ],
)
def test_input_outside_the_cache_is_refused_with_a_helpful_message(tree: Tree, path: str) -> None:
    with pytest.raises(FileAccessDenied) as info:
        tree.policy.resolve_input(path)
    assert "not uploaded by a user" in info.value.message
    assert "upload" in info.value.message.lower()


def test_input_refuses_allowed_paths_files_too(tree: Tree) -> None:
    with pytest.raises(FileAccessDenied):
        tree.policy.resolve_input(str(tree.allowed / "a.txt"))


def test_input_refuses_traversal_out_of_a_cache_id(tree: Tree) -> None:
    digest = tree.cache_id.split("/")[0]
    for path in (
        f"{digest}/../../secret/secret.txt",
        f"{digest}/../.seed",
        ".seed",
        ".partial/x",
        str(tree.cache.root / ".seed"),
        str(tree.cache.root / digest / ".." / ".seed"),
    ):
        with pytest.raises(FileAccessDenied):
            tree.policy.resolve_input(path)


def test_input_refuses_a_symlink_planted_in_the_cache(tree: Tree) -> None:
    digest = "b" * 64
    (tree.cache.root / digest).mkdir()
    (tree.cache.root / digest / "evil.txt").symlink_to(tree.secret / "secret.txt")
    with pytest.raises(FileAccessDenied):
        tree.policy.resolve_input(f"{digest}/evil.txt")
    (tree.cache.root / ("c" * 64)).symlink_to(tree.secret)
    with pytest.raises(FileAccessDenied):
        tree.policy.resolve_input(f"{'c' * 64}/secret.txt")


def test_input_in_blocked_cache_is_refused(tree: Tree) -> None:
    policy = FilePolicy(tree.cache, blocked_paths=[tree.cache.root], working_dir=tree.wd, temp_dir=tree.temp)
    with pytest.raises(FileAccessDenied) as info:
        policy.resolve_input(tree.cache_id)
    assert info.value.reason == "blocked"


# -- check_output ----------------------------------------------------------------------------------------


def test_output_from_working_dir_allowed_paths_temp_and_cache(tree: Tree) -> None:
    policy = tree.policy
    assert policy.check_output(tree.wd / "out.txt") == tree.wd / "out.txt"
    assert policy.check_output(str(tree.wd / "sub" / "ok.txt")) == tree.wd / "sub" / "ok.txt"
    assert policy.check_output(tree.allowed / "a.txt") == tree.allowed / "a.txt"
    assert policy.check_output(tree.allowed / ".hidden.txt") == tree.allowed / ".hidden.txt"
    assert policy.check_output(tree.static / "logo.png") == tree.static / "logo.png"
    assert policy.check_output(tree.temp / "gen.wav") == tree.temp / "gen.wav"
    assert policy.check_output(tree.cache.root / tree.cache_id) == tree.cache.root / tree.cache_id


def test_output_relative_path_is_relative_to_the_process_cwd(tree: Tree, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tree.wd)
    assert tree.policy.check_output("out.txt") == tree.wd / "out.txt"


@pytest.mark.parametrize("name", [".env", ".git/config"])
def test_output_hidden_files_of_the_working_dir_are_refused(tree: Tree, name: str) -> None:
    with pytest.raises(FileAccessDenied) as info:
        _narrow_policy(tree).check_output(tree.wd / name)
    assert info.value.reason == "hidden"
    assert "allowed_paths" in info.value.message


def test_output_symlink_to_a_hidden_file_is_refused(tree: Tree) -> None:
    with pytest.raises(FileAccessDenied):
        _narrow_policy(tree).check_output(tree.wd / "link_env")


def test_output_outside_every_root_is_refused(tree: Tree) -> None:
    policy = _narrow_policy(tree)
    outside = _write(tree.base / "elsewhere" / "x.txt")
    with pytest.raises(FileAccessDenied) as info:
        policy.check_output(outside)
    assert info.value.reason == "not_allowed"
    assert "allowed_paths" in info.value.message and "working directory" in info.value.message


def test_output_symlink_out_of_the_working_dir_is_judged_by_its_target(tree: Tree) -> None:
    with pytest.raises(FileAccessDenied) as info:
        _narrow_policy(tree).check_output(tree.wd / "link_out")
    assert info.value.reason == "not_allowed"
    with pytest.raises(FileAccessDenied) as info:
        tree.policy.check_output(tree.wd / "link_out")  # the target is in blocked `secret`
    assert info.value.reason == "blocked"


def test_output_blocked_wins_over_allowed_and_ignores_case(tree: Tree) -> None:
    for path in (tree.allowed / "private" / "p.txt", tree.allowed / "link_private", tree.secret / "secret.txt"):
        with pytest.raises(FileAccessDenied) as info:
            tree.policy.check_output(path)
        assert info.value.reason == "blocked"
        assert "blocked_paths" in info.value.message


def test_output_never_includes_cache_internals(tree: Tree) -> None:
    # The cache lives under the temp dir and (here) under allowed paths; its seed still cannot leave.
    policy = FilePolicy(tree.cache, allowed_paths=[tree.base], working_dir=tree.wd, temp_dir=tree.cache.root)
    _write(tree.cache.root / ".partial" / "upload-in-progress")
    for path in (tree.cache.root / ".seed", tree.cache.root / ".partial" / "upload-in-progress"):
        with pytest.raises(FileAccessDenied) as info:
            policy.check_output(path)
        assert "internal file of the upload cache" in info.value.message


def test_output_missing_and_directories_are_refused(tree: Tree) -> None:
    with pytest.raises(FileAccessDenied) as info:
        tree.policy.check_output(tree.wd / "nope.txt")
    assert info.value.reason == "missing"
    with pytest.raises(FileAccessDenied) as info:
        tree.policy.check_output(tree.wd / "sub")
    assert info.value.reason == "not_a_file"


def test_working_dir_defaults_to_cwd(tree: Tree, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tree.wd)
    policy = FilePolicy(tree.cache, temp_dir=tree.temp)
    assert policy.check_output(tree.wd / "out.txt") == tree.wd / "out.txt"


# -- resolve_served: fixed cases -------------------------------------------------------------------------


def test_served_cache_id_is_not_inline(tree: Tree) -> None:
    path, inline = tree.policy.resolve_served(tree.cache_id)
    assert path == tree.cache.root / tree.cache_id and inline is False
    path, inline = tree.policy.resolve_served(str(tree.cache.root / tree.cache_id))
    assert path == tree.cache.root / tree.cache_id and inline is False


def test_served_allowed_and_static_files_are_inline(tree: Tree) -> None:
    policy = _narrow_policy(tree)
    assert policy.resolve_served(str(tree.allowed / "a.txt")) == (tree.allowed / "a.txt", True)
    assert policy.resolve_served(str(tree.allowed / "sub" / "b.png")) == (tree.allowed / "sub" / "b.png", True)
    assert policy.resolve_served(str(tree.static / "logo.png")) == (tree.static / "logo.png", True)
    assert policy.resolve_served(str(tree.allowed / "é" / "ü.txt"))[0] == tree.allowed / "é" / "ü.txt"
    # A symlink whose target stays in the root is fine, and is served as its target.
    assert policy.resolve_served(str(tree.allowed / "link_in")) == (tree.allowed / "a.txt", True)


def test_served_relative_path_is_resolved_against_the_working_dir(tree: Tree) -> None:
    policy = FilePolicy(tree.cache, allowed_paths=[tree.wd / "sub"], working_dir=tree.wd, temp_dir=tree.temp)
    assert policy.resolve_served("sub/ok.txt") == (tree.wd / "sub" / "ok.txt", True)
    with pytest.raises(FileAccessDenied):
        policy.resolve_served("out.txt")  # the working dir itself is not served, only allowed paths


def test_served_never_exposes_cache_internals_even_under_an_allowed_path(tree: Tree) -> None:
    # The fixture's allowed_paths include `base`, which contains the cache root.
    _write(tree.cache.root / ".partial" / "upload-in-progress")
    for path in (tree.cache.root / ".seed", tree.cache.root / ".partial" / "upload-in-progress"):
        assert path.exists()
        with pytest.raises(FileAccessDenied):
            tree.policy.resolve_served(str(path))


@pytest.mark.parametrize(
    "make_request",
    [
        lambda t: str(t.secret / "secret.txt"),  # blocked and outside
        lambda t: str(t.allowed / "link_out"),  # symlink out of the root
        lambda t: str(t.allowed / "link_dir" / "secret.txt"),  # symlinked folder out of the root
        lambda t: str(t.allowed / "private" / "p.txt"),  # blocked inside allowed (blocked written in upper case)
        lambda t: str(t.allowed / "PRIVATE" / "p.txt"),
        lambda t: str(t.allowed / "Private" / "p.txt"),
        lambda t: str(t.allowed / "link_private"),  # symlink to a blocked file
        lambda t: str(t.allowed / "sub" / ".." / "a.txt"),  # `..` is refused even when it stays inside
        lambda t: str(t.allowed / "a.txt").replace("/", "%2f"),
        lambda t: str(t.allowed / "a.txt").replace("/", "%2F"),
        lambda t: str(t.allowed / "sub%2f..%2fa.txt"),
        lambda t: str(t.allowed / "%2e%2e" / "secret" / "secret.txt"),
        lambda t: str(t.allowed / "%252f"),
        lambda t: str(t.allowed / "sub%5cb.png"),
        lambda t: str(t.allowed / "sub\\b.png"),
        lambda t: str(t.allowed / "a.txt\x00.png"),
        lambda t: str(t.allowed / "a.txt\n"),
        lambda t: "C:/Windows/win.ini",
        lambda t: "c:" + str(t.allowed / "a.txt"),
        lambda t: str(t.allowed / ("a" * 300)),
        lambda t: str(t.allowed) + "/x" * 3000,
        lambda t: str(t.allowed / "missing.txt"),
        lambda t: str(t.allowed / "emptydir"),
        lambda t: str(t.allowed),
        lambda t: "/etc/passwd",
        lambda t: "/etc/hostname",
        lambda t: "//etc/passwd",
        lambda t: "../../../../etc/passwd",
        lambda t: "a" * 64 + "/up.txt",  # well-formed id that was never uploaded
        lambda t: t.cache_id.split("/")[0] + "/../.seed",
        lambda t: "",
        lambda t: "\udcff",
        lambda t: "\ud800",
    ],
)
def test_served_refuses(tree: Tree, make_request: object) -> None:
    assert callable(make_request)
    request = make_request(tree)
    for policy in (tree.policy, _narrow_policy(tree)):
        with pytest.raises(FileAccessDenied) as info:
            policy.resolve_served(request)
        assert info.value.message.startswith("File not allowed")


def test_served_refuses_working_dir_and_temp_files(tree: Tree) -> None:
    # Handlers may return these (they are then copied to the cache), but /file= does not serve them in place.
    for request in ("out.txt", str(tree.wd / "out.txt"), str(tree.temp / "gen.wav")):
        with pytest.raises(FileAccessDenied):
            _narrow_policy(tree).resolve_served(request)


def test_served_blocked_cache_entry_is_refused(tree: Tree) -> None:
    policy = FilePolicy(tree.cache, blocked_paths=[str(tree.cache.root).upper()], working_dir=tree.wd)
    with pytest.raises(FileAccessDenied) as info:
        policy.resolve_served(tree.cache_id)
    assert info.value.reason == "blocked"


# -- resolve_served: property tests ----------------------------------------------------------------------

_PLAIN_SEGMENTS = (
    ".. . ... %2e%2e %2E%2E %2f %2F %252f %5c %00 ..\\.. a.txt sub b.png private PRIVATE Private p.txt secret "
    "secret.txt link_out link_dir link_in link_private link_env emptydir .hidden.txt é ü.txt C: c: allowed static "
    "logo.png wd out.txt .env cache .seed .partial up.txt temp gen.wav etc passwd ~"
).split()
SEGMENTS = st.sampled_from([*_PLAIN_SEGMENTS, "", "\\", "E\u0301", "\x00", "a" * 300, "\u202e"])
PREFIXES = st.sampled_from(["", "/", "//", "ALLOWED", "BASE", "CACHE", "WD", "DIGEST"])


def _random_case(text: str, flips: list[bool]) -> str:
    return "".join(c.swapcase() if flips[i % len(flips)] else c for i, c in enumerate(text)) if flips else text


# Real files, folders and symlinks of the tree (relative to its base), as starting points for mutations.
TARGETS = (
    "allowed/a.txt allowed/sub/b.png allowed/link_in allowed/link_out allowed/link_dir/secret.txt "
    "allowed/link_dir/sub/deep.txt allowed/private/p.txt allowed/link_private allowed/.hidden.txt allowed/é/ü.txt "
    "allowed/emptydir allowed static/logo.png secret/secret.txt wd/out.txt wd/.env wd/link_out temp/gen.wav "
    "cache/.seed cache/DIGEST/up.txt cache/DIGEST"
).split()


@st.composite
def hostile_paths(draw: st.DrawFn) -> tuple[str, list[str], list[bool], str]:
    """(prefix, segments, case flips, separator): random walks, and real paths with a few mutations."""
    if draw(st.booleans()):
        prefix = draw(PREFIXES)
        parts = draw(st.lists(st.one_of(SEGMENTS, st.text(max_size=12)), max_size=8))
    else:
        prefix = draw(st.sampled_from(["BASE", "BASE", "BASE", "", "/"]))
        parts = draw(st.sampled_from(TARGETS)).split("/")
        if prefix != "BASE" and parts[0] == "cache":
            parts = parts[1:]  # a relative cache id, as clients send it
        for _ in range(draw(st.sampled_from([0, 0, 0, 1, 2]))):
            parts.insert(draw(st.integers(0, len(parts))), draw(SEGMENTS))
    flips = draw(st.lists(st.booleans(), max_size=6)) if draw(st.integers(0, 4)) == 0 else []
    separator = draw(st.sampled_from(["/"] * 8 + ["\\", "//", "/./"]))
    return prefix, parts, flips, separator


def _assemble(tree: Tree, prefix: str, parts: list[str], flips: list[bool], separator: str) -> str:
    roots = {
        "ALLOWED": str(tree.allowed),
        "BASE": str(tree.base),
        "CACHE": str(tree.cache.root),
        "WD": str(tree.wd),
        "DIGEST": tree.cache_id.split("/")[0],
    }
    head = roots.get(prefix, prefix)
    parts = [roots["DIGEST"] if p == "DIGEST" else p for p in parts]
    body = separator.join(_random_case(p, flips) for p in parts)
    if head and body and not head.endswith("/"):
        return head + "/" + body
    return head + body


def _assert_served_path_is_safe(tree: Tree, policy: FilePolicy, allowed_roots: list[Path], request: str) -> None:
    try:
        path, inline = policy.resolve_served(request)
    except FileAccessDenied as error:
        assert error.message.startswith("File not allowed")
        return
    real = os.path.realpath(path)
    assert str(path) == real, "the served path must be fully resolved"
    assert os.path.isfile(real) and not os.path.islink(path)
    cache_root = str(tree.cache.root)
    if real.startswith(cache_root + os.sep):
        assert inline is False
        relative = os.path.relpath(real, cache_root)
        digest, name = relative.split(os.sep)
        assert len(digest) == 64 and not name.startswith(".")
    else:
        assert inline is True
        assert any(real == str(root) or real.startswith(str(root) + os.sep) for root in allowed_roots)
    folded = real.casefold()
    for blocked in (tree.blocked, tree.secret):
        assert not folded.startswith(str(blocked).casefold() + os.sep)
    assert ".." not in request.split("/")
    assert "\\" not in request and "\x00" not in request


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=hostile_paths())
def test_property_served_paths_stay_inside_allowed_roots(
    tree: Tree, data: tuple[str, list[str], list[bool], str]
) -> None:
    request = _assemble(tree, *data)
    _assert_served_path_is_safe(tree, tree.policy, [tree.allowed, tree.base, tree.static], request)
    _assert_served_path_is_safe(tree, _narrow_policy(tree), [tree.allowed, tree.static], request)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(request=st.text(alphabet=st.characters(codec="utf-8"), max_size=80))
def test_property_arbitrary_text_never_escapes(tree: Tree, request: str) -> None:
    _assert_served_path_is_safe(tree, _narrow_policy(tree), [tree.allowed, tree.static], request)
    _assert_served_path_is_safe(
        tree, _narrow_policy(tree), [tree.allowed, tree.static], str(tree.allowed) + "/" + request
    )


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=hostile_paths())
def test_property_inputs_only_ever_resolve_into_the_cache(
    tree: Tree, data: tuple[str, list[str], list[bool], str]
) -> None:
    request = _assemble(tree, *data)
    try:
        path = tree.policy.resolve_input(request)
    except FileAccessDenied:
        return
    assert path == tree.cache.root / tree.cache_id


def test_policy_and_cache_import_no_server_stack() -> None:
    """Only serving.py may import Starlette; the rules and the cache stay stdlib-only."""
    import subprocess
    import sys

    code = (
        "import sys, podium.files.policy, podium.files.cache, podium.files.sizes\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('starlette', 'anyio', 'fastapi', 'httpx')))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
